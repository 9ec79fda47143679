import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/core/events.js';
import { openStore } from '../../src/store/store.js';
import { fakeCalls, fakeEnv, useFakeAgentsOnPath } from '../agents/fake-agents.js';
import { CLI, git, tempDir } from '../helpers/git-repo.js';
import type { MilestoneRepo } from '../helpers/milestone-repo.js';
import { exited, milestoneRepo } from '../helpers/milestone-repo.js';

useFakeAgentsOnPath();

type TaskJson = MilestoneRepo['status'] extends (id: string) => Promise<infer S>
  ? S extends { tasks: Array<infer T> }
    ? T & { agent: string; sessionId: string | null; waitingUntil: string | null }
    : never
  : never;

function events(repo: MilestoneRepo, id: string): StoredEvent[] {
  const store = openStore(join(repo.root, '.milestones', '.local'), { readonly: true });
  try {
    return store.events(id);
  } finally {
    store.close();
  }
}

const taskEvents = (all: StoredEvent[], taskId: string) =>
  all.flatMap((e) => (e.type === 'task_status' && e.taskId === taskId ? [e] : []));

async function waitFor(repo: MilestoneRepo, id: string, check: (tasks: TaskJson[]) => boolean) {
  for (let i = 0; i < 300; i++) {
    if (check((await repo.status(id)).tasks as TaskJson[])) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting on ${id}`);
}

describe('usage limits', () => {
  it('parks the task until the reset, keeps other work going on a fallback agent, resumes the session once', async () => {
    const repo = await milestoneRepo({ '.milestones/config.yaml': 'fallback: { claude: [shell] }\n' });
    const state = tempDir('milestone-fake-state-');
    // c finishes only once a is parked, so b starts while claude is out of quota.
    const untilParked = `cd ${repo.root} && until node ${CLI} status usage --json | grep -q '"waiting"'; do sleep 0.1; done`;
    const planned = await repo.plan({
      version: 1,
      milestone: 'Usage',
      id: 'usage',
      tasks: [
        { id: 'a', title: 'A', prompt: 'Create hello.txt.', agent: 'claude', files: ['hello.txt'] },
        { id: 'c', title: 'C', run: `${untilParked}; echo c > c.txt`, agent: 'shell', files: ['c.txt'] },
        {
          id: 'b',
          title: 'B',
          prompt: 'Write b.',
          run: 'echo b > b.txt',
          agent: 'claude',
          needs: ['c'],
          files: ['b.txt'],
        },
      ],
    });
    expect(planned.code, planned.stderr).toBe(0);
    // b must start on the fallback while claude is still out of quota, whatever the machine's
    // load: claude's window is an hour, and the run's clock of windows (a skew file, test only)
    // moves past its reset once b has landed; nothing waits on the wall clock.
    const skew = join(tempDir('milestone-clock-'), 'skew-ms');
    Object.assign(repo.env, fakeEnv('usage-limit-then-success', state), {
      FAKE_AGENT_RESET_IN_S: '3600',
      MILESTONE_TEST_CLOCK_SKEW_FILE: skew,
    });
    const child = repo.spawn(['execute', 'usage', '--mode', 'agents', '--concurrency', '2']);
    await waitFor(repo, 'usage', (tasks) => tasks[2]?.status === 'succeeded');
    const parked = (await repo.status('usage')).tasks[0] as TaskJson;
    expect(parked).toMatchObject({ status: 'waiting', attempts: 1 });
    const opened = new Date();
    writeFileSync(skew, String(Date.parse(parked.waitingUntil!) - Date.now() + 1000));
    expect(await exited(child), child.output().stderr).toBe(0);

    const status = await repo.status('usage');
    expect(status.status).toBe('completed');
    const [a, , b] = status.tasks as TaskJson[];
    expect(a).toMatchObject({ status: 'succeeded', attempts: 2, agent: 'claude', waitingUntil: null });
    // b was sent to the fallback because claude was out of quota; it never called claude.
    expect(b).toMatchObject({ status: 'succeeded', agent: 'shell', attempts: 1 });

    const log = events(repo, 'usage');
    const aStatus = taskEvents(log, 'a');
    const waiting = aStatus.find((e) => e.status === 'waiting')!;
    expect(waiting.until).toEqual(expect.any(String));
    expect(waiting.reason).toMatch(
      /^claude is out of quota until .*usage limit reached.*its session resumes then$/,
    );
    const resumed = aStatus.filter((e) => e.status === 'running')[1]!;
    // Resumed once, when the window opened: after the run's clock passed the reset.
    expect(resumed.seq).toBeGreaterThan(waiting.seq);
    expect(Date.parse(resumed.at)).toBeGreaterThanOrEqual(opened.getTime());
    expect(resumed.reason).toMatch(/^claude's quota opened again; resuming session aaaaaaaa-/);
    const bStart = taskEvents(log, 'b').find((e) => e.status === 'running')!;
    expect(bStart.reason).toMatch(/^fallback from claude \(usage limit until .*\) to shell$/);
    expect(bStart.seq).toBeGreaterThan(waiting.seq);
    expect(bStart.seq).toBeLessThan(resumed.seq);

    // Exactly two claude calls: the limited one, and one resume of its session.
    const calls = fakeCalls(state).filter((c) => c.agent === 'claude');
    expect(calls).toHaveLength(2);
    expect(calls[1]?.argv).toContain('--resume=aaaaaaaa-0000-4000-8000-00000000limi');
    expect(await git(repo.root, 'show', 'milestone/usage:hello.txt')).toBe('hello from claude');
  });

  it('fails the task with the reason when the reset is later than --max-wait', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Wait',
      id: 'wait',
      tasks: [{ id: 'a', title: 'A', prompt: 'Create hello.txt.', agent: 'claude' }],
    });
    Object.assign(repo.env, fakeEnv('usage-limit-then-success'), { FAKE_AGENT_RESET_IN_S: '7200' });
    const run = await repo.run(['execute', 'wait', '--mode', 'agents', '--max-wait', '30m']);
    expect(run.code).toBe(1);
    const [a] = (await repo.status('wait')).tasks;
    expect(a).toMatchObject({ status: 'failed', attempts: 1 });
    expect(a?.reason).toMatch(
      /^usage limit reached: .*claude's quota opens at .*, later than --max-wait 30m allows/,
    );
  });

  it('runs the task again at once, not as a retry, when the reset is already past as the failure is read', async () => {
    // As a queue worker's result may arrive on a busy machine: no retries left, yet the limit
    // is over, so the task must not fail for it.
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Late',
      id: 'late',
      defaults: { retries: 0 },
      tasks: [{ id: 'a', title: 'A', prompt: 'Create hello.txt.', agent: 'claude' }],
    });
    const state = tempDir('milestone-fake-state-');
    Object.assign(repo.env, fakeEnv('usage-limit-then-success', state), { FAKE_AGENT_RESET_IN_S: '-60' });
    const run = await repo.run(['execute', 'late', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    const [a] = (await repo.status('late')).tasks as TaskJson[];
    expect(a).toMatchObject({ status: 'succeeded', attempts: 2 });
    const waiting = taskEvents(events(repo, 'late'), 'a').find((e) => e.status === 'waiting')!;
    expect(waiting.reason).toMatch(/^claude is out of quota until .*usage limit reached/);
    expect(fakeCalls(state).filter((c) => c.agent === 'claude')).toHaveLength(2);
    expect(await git(repo.root, 'show', 'milestone/late:hello.txt')).toBe('hello from claude');
  });

  it('refuses a --max-wait that is no duration', async () => {
    const repo = await milestoneRepo();
    const run = await repo.run(['execute', '--max-wait', 'soon']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--max-wait');
  });
});

describe('an interrupted agent resumes its own session', () => {
  it('Ctrl-C keeps the worktree and session; the next execute resumes it there, once', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Resume',
      id: 'resume',
      tasks: [{ id: 'a', title: 'A', prompt: 'Create hello.txt.', agent: 'claude' }],
    });
    const state = tempDir('milestone-fake-state-');
    Object.assign(repo.env, fakeEnv('hang', state));
    const child = repo.spawn(['execute', 'resume', '--mode', 'agents']);
    await waitFor(repo, 'resume', (tasks) => tasks[0]?.sessionId !== null && tasks[0]?.status === 'running');
    child.kill('SIGINT');
    const code = await exited(child);
    expect(code, child.output().stderr).toBe(130);
    const kept = events(repo, 'resume').find((e) => e.type === 'outcome' && e.step === 'resume_kept');
    const path = (kept?.type === 'outcome' ? kept.detail?.path : undefined) as string;
    // The agent's work so far is still there, on the task's branch.
    expect(readFileSync(join(path, 'hello.txt'), 'utf8')).toBe('hello from claude\n');
    expect((await repo.status('resume')).tasks[0]).toMatchObject({ status: 'canceled' });

    Object.assign(repo.env, fakeEnv('success', state));
    const again = await repo.run(['execute', 'resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toContain(
      'resuming claude session 5f0e6a52-2c4b-4f7e-9a31-1d2b3c4d5e6f',
    );
    const calls = fakeCalls(state);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.argv).toContain('--resume=5f0e6a52-2c4b-4f7e-9a31-1d2b3c4d5e6f');
    expect(calls[1]?.cwd).not.toBe(path);
    expect(existsSync(path)).toBe(false);
    const steps = events(repo, 'resume').flatMap((e) =>
      e.type === 'outcome' && e.step.startsWith('resume_') ? [e.step] : [],
    );
    expect(steps).toEqual(['resume_kept', 'resume_used']);
    expect((await repo.status('resume')).status).toBe('completed');
    expect(repo.leftoverWorktrees()).toEqual([]);
  });
});
