import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentAdapter, AgentRequest, AgentResult } from '../../src/agents/adapter.js';
import { createExecAdapter } from '../../src/agents/exec.js';
import { ExitError } from '../../src/errors.js';
import type { PlanWithAgentOptions } from '../../src/planner/planner.js';
import { planWithAgent } from '../../src/planner/planner.js';
import { summarizeFiles } from '../../src/planner/repo-context.js';
import { tempDir } from '../helpers/git-repo.js';
import { cyclicPlan, EXEC_PLANNER, validPlan } from './planner-fixtures.js';

const UNKNOWN = { inputTokens: null, outputTokens: null, costUsd: null };

/** An in-memory agent answering each run with the next scripted result (the last repeats). */
function scriptedAgent(script: Array<Partial<AgentResult>>): AgentAdapter & { requests: AgentRequest[] } {
  const requests: AgentRequest[] = [];
  return {
    name: 'scripted',
    requests,
    probe: async () => ({ available: true }),
    run: async function* (request, signal) {
      requests.push(request);
      const step = script[Math.min(requests.length, script.length) - 1]!;
      const canceled = signal.aborted;
      yield {
        type: 'result',
        result: {
          ok: !canceled,
          exitCode: canceled ? null : 0,
          timedOut: false,
          canceled,
          summary: 'done',
          durationMs: 1,
          usage: UNKNOWN,
          retryable: false,
          ...step,
        },
      };
    },
  };
}

function options(adapter: AgentAdapter, extra: Partial<PlanWithAgentOptions> = {}): PlanWithAgentOptions {
  return {
    adapter,
    title: 'Add a greeting',
    id: 'add-greeting',
    context: { ...summarizeFiles(['README.md', 'src/index.js']), keyFiles: [] },
    repoRoot: tempDir('milestone-planner-repo-'),
    maxAttempts: 3,
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    logDir: tempDir('milestone-planner-logs-'),
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<ExitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ExitError)) throw new Error(`expected an ExitError, got ${String(error)}`);
  return error;
}

describe('planWithAgent', () => {
  it('retries an invalid answer with its problems and sums usage, unknown staying unknown', async () => {
    const agent = scriptedAgent([
      { output: JSON.stringify(cyclicPlan()), usage: { inputTokens: 10, outputTokens: 5, costUsd: null } },
      { output: JSON.stringify(validPlan()), usage: { inputTokens: 20, outputTokens: 5, costUsd: 0.5 } },
    ]);
    const opts = options(agent);
    const outcome = await planWithAgent(opts);

    expect(outcome.attempts).toBe(2);
    expect(outcome.usage).toEqual({ inputTokens: 30, outputTokens: 10, costUsd: 0.5 });
    expect(outcome.plan).toMatchObject({
      id: 'add-greeting',
      title: 'Add a greeting',
      defaults: { agent: 'scripted' },
    });
    expect(outcome.deliverables.map((d) => d.path)).toEqual(['design/architecture.md', 'spec/technical.md']);
    expect(outcome.logFiles).toEqual([1, 2].map((n) => join(opts.logDir, `planner-attempt-${n}.log`)));

    const [first, second] = agent.requests;
    expect(first).toMatchObject({
      readOnly: true,
      worktree: opts.repoRoot,
      attempt: 1,
      milestoneId: 'add-greeting',
    });
    expect(first?.fullPrompt).toContain('Milestone: Add a greeting');
    expect(first?.fullPrompt).not.toContain('previous answer');
    expect(second?.fullPrompt).toContain(
      'Your previous answer had these problems:\n- tasks[0].needs[0]: dependency cycle: design-greeting -> spec-greeting -> design-greeting',
    );
    expect(readFileSync(outcome.logFiles[0]!, 'utf8')).toContain(
      '--- milestone: planner answer rejected ---',
    );
  });

  it('fails with exit 1 after maxAttempts, listing the last problems and every log', async () => {
    const agent = scriptedAgent([{ output: 'no plan today' }]);
    const error = await failure(planWithAgent(options(agent, { maxAttempts: 2 })));
    expect(agent.requests).toHaveLength(2);
    expect(error.exitCode).toBe(1);
    expect(error.code).toBe('MILESTONE_PLANNER_FAILED');
    expect(error.message).toContain('gave no valid plan in 2 attempts');
    expect(error.message).toContain('- no JSON document found in the answer');
    expect(error.message).toMatch(/logs: .*planner-attempt-1\.log, .*planner-attempt-2\.log/);
  });

  it('retries a run that failed retryably, and stops at once on one that cannot get better', async () => {
    const flaky = scriptedAgent([
      { ok: false, exitCode: 1, error: 'rate limited (429)', retryable: true },
      { output: JSON.stringify(validPlan()) },
    ]);
    expect((await planWithAgent(options(flaky))).attempts).toBe(2);

    const locked = scriptedAgent([
      { ok: false, exitCode: 1, error: 'authentication failed: run claude login' },
    ]);
    const error = await failure(planWithAgent(options(locked)));
    expect(locked.requests).toHaveLength(1);
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('gave no valid plan in 1 attempt;');
    expect(error.message).toContain('- the scripted run failed: authentication failed: run claude login');
  });

  it('ends with exit 130 when interrupted', async () => {
    const stop = new AbortController();
    stop.abort();
    const error = await failure(planWithAgent(options(scriptedAgent([{}]), { signal: stop.signal })));
    expect(error.exitCode).toBe(130);
  });

  it('plans with an exec-protocol agent: read-only request with the planner prompt, plan from `output`', async () => {
    const dir = tempDir('milestone-exec-planner-');
    const answer = join(dir, 'answer.txt');
    const record = join(dir, 'request.json');
    writeFileSync(answer, `Plan below.\n\`\`\`json\n${JSON.stringify(validPlan())}\n\`\`\`\n`);
    const adapter = createExecAdapter({
      name: 'mybot',
      command: [process.execPath, EXEC_PLANNER],
      env: { EXEC_PLANNER_ANSWER: answer, EXEC_PLANNER_RECORD: record },
    });
    const opts = options(adapter);
    const outcome = await planWithAgent(opts);
    expect(outcome).toMatchObject({
      attempts: 1,
      usage: { inputTokens: 300, outputTokens: 90, costUsd: null },
    });
    expect(outcome.plan.tasks).toHaveLength(3);
    const request = JSON.parse(readFileSync(record, 'utf8'));
    expect(request).toMatchObject({
      milestone: 'add-greeting',
      task: 'planner',
      readOnly: true,
      worktree: opts.repoRoot,
    });
    expect(request.prompt).toContain('Reply with exactly one JSON document');
  });
});
