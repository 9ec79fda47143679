import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { queueName } from '../../src/distributed/job-schema.js';
import { fakeCalls, useFakeAgentsOnPath } from '../agents/fake-agents.js';
import { gitA, until } from '../helpers/async-cli.js';
import { tempDir } from '../helpers/git-repo.js';
import {
  bareRemote,
  bullConnection,
  clone,
  storedOutcomes as outcomes,
  plannedClone,
  start,
  startWorker,
  withRedis,
} from '../helpers/queue-cluster.js';
import { redisUnavailable } from '../helpers/redis-server.js';

const unavailable = await redisUnavailable();
if (unavailable) console.warn(`skipping the interrupted queue run tests: ${unavailable}`);

useFakeAgentsOnPath();

/** The worktrees git knows of in the coordinator's clone, besides the clone itself. */
async function worktrees(repo: string): Promise<string[]> {
  const list = await gitA(repo, 'worktree', 'list', '--porcelain');
  return list
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length))
    .slice(1);
}

/** Milestone `stop`: one claude task writing hello.txt. */
const STOP_PLAN = {
  milestone: 'Stop',
  id: 'stop',
  defaults: { agent: 'claude', retries: 0 },
  tasks: [{ id: 'a', title: 'Write hello', prompt: 'Create hello.txt.', files: ['hello.txt'] }],
};

/** One claude at a time on each worker. */
const WORKER_ARGS = ['--concurrency', '1', '--agents', 'claude'];

describe.skipIf(unavailable !== null)('an interrupted coordinator of a queued run', () => {
  it('Ctrl-C while claude runs on a worker keeps nothing locally and says the next execute takes the job over; it does, and the agent ran once', async () => {
    await withRedis(async (redis, procs) => {
      const remote = await bareRemote();
      const { repo, env } = await plannedClone(remote, STOP_PLAN);

      // The worker's claude prints the real init line (its session id), then waits for the gate.
      const state = tempDir('milestone-fake-state-');
      const gate = join(tempDir('milestone-gate-'), 'open');
      const worker = await startWorker(await clone(remote, 'w1'), redis, procs, WORKER_ARGS, {
        FAKE_AGENT_CAPTURE: 'claude-success',
        FAKE_AGENT_HANG_AFTER: '1',
        FAKE_AGENT_GATE: gate,
        FAKE_AGENT_STATE: state,
      });
      const args = ['execute', 'stop', '--queue', redis.url, '--mode', 'agents'];
      const first = start(repo, args, env);
      procs.push(first);
      await worker.waitFor(/running stop\/a attempt 1/);
      // The session id reached the coordinator: an attempt it could resume if it ran here.
      await until(
        () => outcomes(repo, 'agent_session').length > 0 || first.child.exitCode !== null,
        'the session id to reach the coordinator',
      );
      first.child.kill('SIGINT');
      expect(await first.exit, first.output()).toBe(130);
      const line = first.output().match(/! a canceled .*/)?.[0] ?? '';
      expect(line, first.output()).toMatch(
        /interrupted; its job stop\.a\.\w+\.a1 goes on running on worker \S+: the next execute takes it over$/,
      );
      expect(first.output()).not.toContain('resumes');
      // Nothing of the remote attempt is here: no kept worktree, no task branch.
      expect(outcomes(repo, 'resume_kept')).toEqual([]);
      expect((await worktrees(repo)).filter((path) => !path.includes('/_slots/'))).toEqual([]);
      expect(
        (await gitA(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/milestone/stop.*')).trim(),
      ).toBe('');

      writeFileSync(gate, '');
      const second = start(repo, args, env);
      procs.push(second);
      expect(await second.exit, second.output()).toBe(0);
      expect(second.output()).toMatch(
        /a: resuming with job stop\.a\.\w+\.a1 left in the queue by an earlier run/,
      );
      expect(second.output()).not.toContain('resuming claude session');
      expect(outcomes(repo, 'resume_used')).toEqual([]);
      // The worker's one claude run is what landed.
      const runs = fakeCalls(state).filter((c) => c.agent === 'claude' && c.argv.includes('-p'));
      expect(runs).toHaveLength(1);
      expect((await gitA(remote, 'show', 'milestone/stop:hello.txt')).trim()).toBe('hello from claude');
    });
  });

  it('Ctrl-C before any worker took the job withdraws it and says the next execute queues it again; it does', async () => {
    await withRedis(async (redis, procs, clients) => {
      const queue = new Queue(queueName('claude'), bullConnection(redis));
      clients.push(queue);
      const remote = await bareRemote();
      const { repo, env } = await plannedClone(remote, STOP_PLAN);
      // No worker yet: the job waits in the queue.
      const args = ['execute', 'stop', '--queue', redis.url, '--mode', 'agents'];
      const first = start(repo, args, env);
      procs.push(first);
      await until(
        async () => (await queue.getWaitingCount()) > 0 || first.child.exitCode !== null,
        'the job to wait in the queue',
      );
      first.child.kill('SIGINT');
      expect(await first.exit, first.output()).toBe(130);
      const line = first.output().match(/! a canceled .*/)?.[0] ?? '';
      expect(line, first.output()).toMatch(
        /interrupted; its job stop\.a\.\w+\.a1 left the queue before a worker took it: the next execute queues it again$/,
      );
      expect(await queue.getJobCounts('waiting', 'active', 'completed', 'failed')).toMatchObject({
        waiting: 0,
        active: 0,
        completed: 0,
        failed: 0,
      });
      expect(outcomes(repo, 'resume_kept')).toEqual([]);
      expect((await worktrees(repo)).filter((path) => !path.includes('/_slots/'))).toEqual([]);

      const state = tempDir('milestone-fake-state-');
      const worker = await startWorker(await clone(remote, 'w1'), redis, procs, WORKER_ARGS, {
        FAKE_AGENT_CAPTURE: 'claude-success',
        FAKE_AGENT_STATE: state,
      });
      const second = start(repo, args, env);
      procs.push(second);
      expect(await second.exit, second.output()).toBe(0);
      expect(second.output()).not.toContain('left in the queue by an earlier run');
      expect(worker.output()).toMatch(/running stop\/a attempt 2/);
      expect(fakeCalls(state).filter((c) => c.agent === 'claude' && c.argv.includes('-p'))).toHaveLength(1);
      expect((await gitA(remote, 'show', 'milestone/stop:hello.txt')).trim()).toBe('hello from claude');
    });
  });

  it("a worker's claude out of quota parks the task saying it runs again then (no session is resumed here); the job after the reset runs fresh", async () => {
    await withRedis(async (redis, procs) => {
      const remote = await bareRemote();
      const { repo, env } = await plannedClone(remote, STOP_PLAN);
      const state = tempDir('milestone-fake-state-');
      const worker = await startWorker(await clone(remote, 'w1'), redis, procs, WORKER_ARGS, {
        FAKE_AGENT_SCENARIO: 'usage-limit-then-success',
        FAKE_AGENT_RESET_IN_S: '2',
        FAKE_AGENT_STATE: state,
      });
      const run = start(repo, ['execute', 'stop', '--queue', redis.url, '--mode', 'agents'], env);
      procs.push(run);
      expect(await run.exit, `${run.output()}\n--- worker ---\n${worker.output()}`).toBe(0);
      expect(run.output()).toMatch(/claude is out of quota until \S+ \(.*\); it runs again then/);
      expect(run.output()).not.toContain('resum');
      const calls = fakeCalls(state).filter((c) => c.agent === 'claude' && c.argv.includes('-p'));
      expect(calls).toHaveLength(2);
      expect(calls[1]?.argv.some((a) => a.startsWith('--resume'))).toBe(false);
      expect((await gitA(remote, 'show', 'milestone/stop:hello.txt')).trim()).toBe('hello from claude');
    });
  });
});
