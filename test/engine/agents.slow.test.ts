import { describe, expect, it } from 'vitest';
import { fakeEnv, useFakeAgentsOnPath } from '../agents/fake-agents.js';
import { git } from '../helpers/git-repo.js';
import type { MilestoneRepo, StatusJson } from '../helpers/milestone-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

useFakeAgentsOnPath();

type Task = StatusJson['tasks'][number];

/** Plans a one-task milestone for `agent` and runs it with the fake in `scenario`. */
async function runAgent(
  repo: MilestoneRepo,
  agent: string,
  scenario: string,
  extra: Record<string, unknown> = {},
) {
  const id = `${agent}-${scenario}`.replace(/[^a-z0-9-]/g, '-');
  const planned = await repo.plan({
    version: 1,
    milestone: `${agent} ${scenario}`,
    id,
    defaults: { retries: 1 },
    tasks: [
      { id: 'greet', title: 'Write hello.txt', prompt: 'Create hello.txt with a greeting.', agent, ...extra },
    ],
  });
  expect(planned.code, planned.stderr).toBe(0);
  const env = { ...repo.env, ...fakeEnv(scenario) };
  const run = await milestoneWithEnv(repo, ['execute', id, '--mode', 'agents'], env);
  const status = await repo.status(id);
  return { run, status, task: status.tasks[0] as Task, id };
}

async function milestoneWithEnv(repo: MilestoneRepo, args: string[], env: Record<string, string>) {
  const saved = { ...repo.env };
  Object.assign(repo.env, env);
  try {
    return await repo.run(args);
  } finally {
    for (const key of Object.keys(repo.env)) delete repo.env[key];
    Object.assign(repo.env, saved);
  }
}

describe('coding agents through the engine (fake claude, codex, gemini on PATH)', () => {
  it('a successful run of each agent lands its edit and records tokens, and cost where reported', async () => {
    const repo = await milestoneRepo();
    for (const agent of ['claude', 'codex', 'gemini']) {
      const { run, status, task, id } = await runAgent(repo, agent, 'success');
      expect(run.code, run.stderr).toBe(0);
      expect(status.status).toBe('completed');
      expect(task).toMatchObject({ status: 'succeeded', merged: true, attempts: 1, agent });
      expect(await git(repo.root, 'show', `milestone/${id}:hello.txt`)).toBe(`hello from ${agent}`);
      expect(task.usage.inputTokens).toBeGreaterThan(0);
      expect(task.usage.outputTokens).toBeGreaterThan(0);
      // Claude reports its cost; Codex and Gemini do not: unknown, never zero.
      // The agent's session id is kept, for its own resume flag.
      expect((task as unknown as { sessionId: string | null }).sessionId).toEqual(expect.any(String));
      if (agent === 'claude') expect(task.usage.costUsd).toBeGreaterThan(0);
      else expect(task.usage.costUsd).toBeNull();
    }
    // Three full plan + execute runs: on a busy two-core machine each takes 15-20 s.
  });

  it('an error result with exit 0 fails the task (the exit code alone is not trusted)', async () => {
    const repo = await milestoneRepo();
    for (const agent of ['claude', 'codex']) {
      const { run, task } = await runAgent(repo, agent, 'error-result', { retries: 0 });
      expect(run.code).toBe(1);
      expect(task.status).toBe('failed');
    }
  });

  it('max turns fails at once, without a retry', async () => {
    const repo = await milestoneRepo();
    const { run, task } = await runAgent(repo, 'claude', 'max-turns');
    expect(run.code).toBe(1);
    expect(task).toMatchObject({ status: 'failed', attempts: 1 });
    expect(task.reason).toContain('max turns');
  });

  it('a rate limit is retried and then succeeds', async () => {
    const repo = await milestoneRepo();
    const { run, task } = await runAgent(repo, 'claude', 'rate-limit-then-success');
    expect(run.code, run.stderr).toBe(0);
    expect(task).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('a crash without a result line fails after its retries', async () => {
    const repo = await milestoneRepo();
    const { run, task } = await runAgent(repo, 'claude', 'crash');
    expect(run.code).toBe(1);
    expect(task).toMatchObject({ status: 'failed', attempts: 2 });
    expect(task.reason).toContain('without a final result');
  });

  it('an authentication failure stops the run with a clear message instead of retrying', async () => {
    const repo = await milestoneRepo();
    const { run, task } = await runAgent(repo, 'claude', 'auth');
    expect(run.code).toBe(1);
    expect(task).toMatchObject({ status: 'failed', attempts: 1 });
    expect(run.stderr).toContain('authentication');
    expect(run.stderr).toContain('fix the login');
  });

  it('falls back to the next configured agent when one fails for good, and records it', async () => {
    const repo = await milestoneRepo({ '.milestones/config.yaml': 'fallback: { claude: [shell] }\n' });
    const { run, task } = await runAgent(repo, 'claude', 'max-turns', { run: 'echo fallback > hello.txt' });
    expect(run.code, run.stderr).toBe(0);
    expect(task).toMatchObject({ status: 'succeeded', agent: 'shell', attempts: 2 });
    expect(run.stdout).toContain('fallback from claude');
  });
});

const USAGE_AGENT = `
let input = '';
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const { writeFileSync } = await import('node:fs');
writeFileSync(request.task + '.txt', 'done\\n');
console.log(JSON.stringify({ type: 'usage', inputTokens: 1000, outputTokens: 200, costUsd: 0.4 }));
await new Promise((r) => setTimeout(r, 300));
console.log(JSON.stringify({ type: 'result', ok: true, summary: 'ok' }));
`;

describe('budgets', () => {
  async function budgetRepo() {
    const repo = await milestoneRepo({
      'tools/paid-agent.mjs': USAGE_AGENT,
      '.milestones/config.yaml': 'agents: { paid: { type: exec, command: [node, tools/paid-agent.mjs] } }\n',
    });
    await repo.plan({
      version: 1,
      milestone: 'Budget',
      id: 'budget',
      defaults: { agent: 'paid', retries: 2 },
      tasks: ['a', 'b', 'c'].map((id) => ({ id, title: id.toUpperCase(), prompt: `do ${id}` })),
    });
    return repo;
  }

  it('stops new dispatches once the milestone budget is spent, lets the running task finish, says what was spent', async () => {
    const repo = await budgetRepo();
    const run = await repo.run(['execute', 'budget', '--mode', 'direct', '--max-cost', '0.5']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('milestone budget exceeded: spent $0.8000');
    expect(run.stderr).toContain('limit $0.5');
    const status = await repo.status('budget');
    expect(status.status).toBe('failed');
    expect(status.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'pending']);
    expect(status.tasks[0]?.usage).toEqual({ inputTokens: 1000, outputTokens: 200, costUsd: 0.4 });
  });

  it('a budget crossed by the last task, which still lands, leaves the milestone completed', async () => {
    const repo = await budgetRepo();
    const run = await repo.run(['execute', 'budget', '--mode', 'direct', '--max-cost', '1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('milestone budget exceeded');
    expect((await repo.status('budget')).status).toBe('completed');
  });

  it('fails a task over its own budget without retrying it', async () => {
    const repo = await budgetRepo();
    const run = await repo.run(['execute', 'budget', '--mode', 'direct', '--task-max-tokens', '500']);
    expect(run.code).toBe(1);
    const status = await repo.status('budget');
    expect(status.tasks[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(status.tasks[0]?.reason).toContain('task a budget exceeded');
  });
});

const RESOLVER_AGENT = `
let input = '';
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const { readFileSync, writeFileSync } = await import('node:fs');
for (const file of request.files) {
  const text = readFileSync(file, 'utf8');
  // Keep both sides: every line between the markers, in order.
  const kept = text.split('\\n').filter((line) => !/^(<{7}|={7}|>{7})/.test(line));
  writeFileSync(file, kept.join('\\n'));
}
console.log(JSON.stringify({ type: 'result', ok: true, summary: 'kept both sides' }));
`;

describe('conflict resolver (the git-operator role)', () => {
  it('an agent resolves a real merge conflict, the result is verified and lands', async () => {
    const repo = await milestoneRepo({
      'colors.txt': 'red\n',
      'tools/resolver.mjs': RESOLVER_AGENT,
      '.milestones/config.yaml':
        'resolver: { agent: fixer }\nagents: { fixer: { type: exec, command: [node, tools/resolver.mjs] } }\n',
    });
    await repo.plan({
      version: 1,
      milestone: 'Colors',
      id: 'colors',
      tasks: [
        { id: 'blue', title: 'Blue', run: 'echo blue >> colors.txt', verify: 'grep -q blue colors.txt' },
        { id: 'green', title: 'Green', run: 'echo green >> colors.txt', verify: 'grep -q green colors.txt' },
      ],
    });
    const run = await repo.run(['execute', 'colors', '--mode', 'agents', '--concurrency', '2']);
    expect(run.code, run.stderr).toBe(0);
    const colors = (await git(repo.root, 'show', 'milestone/colors:colors.txt')).split('\n');
    expect(colors).toEqual(expect.arrayContaining(['red', 'blue', 'green']));
    expect(colors.join('\n')).not.toMatch(/<{7}|>{7}/);
    const resolvedBy = await git(
      repo.root,
      'log',
      '--format=%(trailers:key=Resolved-By,valueonly)',
      'milestone/colors',
    );
    expect(resolvedBy).toContain('fixer');
    expect((await repo.status('colors')).tasks.every((t) => t.status === 'succeeded')).toBe(true);
  });

  it('a resolution that leaves markers is refused and the conflict goes to a person', async () => {
    const repo = await milestoneRepo({
      'colors.txt': 'red\n',
      'tools/lazy.mjs': `for await (const _ of process.stdin) {}\nconsole.log(JSON.stringify({ type: 'result', ok: true }));\n`,
      '.milestones/config.yaml':
        'resolver: { agent: lazy }\nagents: { lazy: { type: exec, command: [node, tools/lazy.mjs] } }\n',
    });
    await repo.plan({
      version: 1,
      milestone: 'Colors',
      id: 'colors',
      tasks: [
        { id: 'blue', title: 'Blue', run: 'echo blue >> colors.txt' },
        { id: 'green', title: 'Green', run: 'echo green >> colors.txt' },
      ],
    });
    const run = await repo.run(['execute', 'colors', '--mode', 'agents', '--concurrency', '2']);
    expect(run.code).toBe(1);
    const loser = (await repo.status('colors')).tasks.find((t) => t.status === 'conflicted');
    expect(run.stderr).toContain(`conflict: task ${loser?.id}`);
    expect(run.stdout).toContain('conflict markers remain in colors.txt');
  });
});
