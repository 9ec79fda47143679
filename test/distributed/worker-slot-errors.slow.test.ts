import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Job, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { gitA, runIn } from '../helpers/async-cli.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';
import {
  bareRemote,
  bullConnection,
  clone,
  plannedClone,
  slotsUnder,
  start,
  startWorker,
  storedOutcomes,
  withRedis,
} from '../helpers/queue-cluster.js';
import { redisUnavailable } from '../helpers/redis-server.js';

const unavailable = await redisUnavailable();
if (unavailable) console.warn(`skipping the worker slot-error tests: ${unavailable}`);

/**
 * A folder with a `git` that fails `git worktree add` as git does when the slots folder cannot
 * be written (exit 128, `fatal: ...`) while the count in `counter` is above 0, counting it
 * down; every other command, and `worktree add` once the count is spent, is the real git.
 */
async function failingGit(counter: string, failures: number): Promise<string> {
  const real = (await runIn('sh', ['-c', 'command -v git'], tempDir())).stdout.trim();
  const bin = tempDir('milestone-gitwrap-');
  writeFileSync(counter, `${failures}\n`);
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh
if [ "$1" = worktree ] && [ "$2" = add ]; then
  n=$(cat '${counter}')
  if [ "$n" -gt 0 ]; then
    echo $((n - 1)) > '${counter}'
    echo "fatal: could not create leading directories of '$6/.git': Permission denied" >&2
    exit 128
  fi
fi
exec '${real}' "$@"
`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  return bin;
}

/** The coordinator's `agent` outcomes: [ok, attempt, failureKind]. */
function agentOutcomes(repo: string): unknown[][] {
  return storedOutcomes(repo, 'agent').map((e) => [e.ok, e.detail?.attempt, e.detail?.failureKind]);
}

describe.skipIf(unavailable !== null)('slot errors and failed work on a worker', () => {
  it("a worker whose `git worktree add` fails sends a failed attempt (kind setup, git's words, the worker), retried by the coordinator's policy; the same worker and pool then run the task", async () => {
    await withRedis(async (redis, procs) => {
      const remote = await bareRemote();
      const { repo, env } = await plannedClone(remote, {
        milestone: 'Slot errors',
        id: 'slots',
        defaults: { agent: 'shell', retries: 2 },
        tasks: [{ id: 'one', title: 'Write one', files: ['one.txt'], run: 'echo one > one.txt' }],
      });

      const workerRepo = await clone(remote, 'w1');
      const counter = join(tempDir('milestone-count-'), 'failures');
      const bin = await failingGit(counter, 2);
      const workerState = tempDir('milestone-state-');
      const worker = await startWorker(workerRepo, redis, procs, ['--agents', 'shell'], {
        XDG_STATE_HOME: workerState,
        PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
      });

      const coordinator = start(
        repo,
        ['execute', 'slots', '--queue', redis.url, '--mode', 'agents', '--concurrency', '1'],
        env,
      );
      procs.push(coordinator);
      expect(await coordinator.exit, `${coordinator.output()}\n--- worker ---\n${worker.output()}`).toBe(0);
      const out = coordinator.output();
      expect(out).not.toContain('the queue failed job');
      // The policy saw git's words and the worker, and retried (retries: 2).
      expect(out).toMatch(
        /one ready: attempt 1 failed \(no worktree for the attempt: git worktree add -f --detach --quiet \S+_slot-1 [0-9a-f]{40} failed \(exit 128\) in \S+: fatal: could not create leading directories of '\S+\/_slot-1\/\.git': Permission denied \(on \S+\)\); retrying in/,
      );
      expect(out).toMatch(
        /one ready: attempt 2 failed \(no worktree for the attempt: git worktree add -f --detach --quiet \S+_slot-1 /,
      );
      expect(readFileSync(counter, 'utf8').trim()).toBe('0');
      expect(await gitA(remote, 'show', 'milestone/slots:one.txt')).toBe('one');

      // Each failed attempt is recorded with its kind, the same as a local setup failure's.
      expect(agentOutcomes(repo)).toEqual([
        [false, 1, 'setup'],
        [false, 2, 'setup'],
        [true, 3, undefined],
      ]);
      // `metrics` holds neither against quality, as it does not hold a local setup failure.
      const metrics = start(repo, ['metrics', 'slots', '--json'], env);
      expect(await metrics.exit, metrics.output()).toBe(0);
      const figures = JSON.parse(metrics.output());
      expect(figures.tasks[0]).toMatchObject({ attempts: 3, configFailures: 2, firstTime: true });
      expect(figures.totals).toMatchObject({ quality: 1, configFailures: 2 });
      // The attempt's log copy on the coordinator says why.
      const logCopy = readFileSync(
        join(repo, '.milestones', '.local', 'logs', 'slots', 'one', 'attempt-1.log'),
        'utf8',
      );
      expect(logCopy).toMatch(/^milestone: worker \S+: no worktree for the attempt: git worktree add/m);

      // The worker lived on, and its pool gave the failed slot's place back: the task ran in
      // _slot-1, not in a third slot beside two the failures kept.
      expect(worker.output()).toMatch(/one attempt 1 failed: no worktree for the attempt/);
      expect(worker.output()).toMatch(/one attempt 3 done: pushed/);
      expect(slotsUnder(workerState)).toEqual(['_slot-1']);
      expect(worker.child.exitCode).toBe(null);
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
    });
  });

  it('a task that fails for good on a worker names no local branch as holding its work (none does), keeps no empty worktree, and says the worker kept nothing', async () => {
    await withRedis(async (redis, procs) => {
      const remote = await bareRemote();
      const { repo, env } = await plannedClone(remote, {
        milestone: 'Remote failure',
        id: 'remfail',
        defaults: { agent: 'shell', retries: 0 },
        tasks: [
          {
            id: 'half',
            title: 'Half done',
            files: ['partial.txt'],
            run: 'echo partial > partial.txt',
            verify: 'echo "2 tests failed" >&2; exit 1',
          },
        ],
      });
      const worker = await startWorker(await clone(remote, 'w1'), redis, procs, ['--agents', 'shell']);

      const coordinator = start(
        repo,
        ['execute', 'remfail', '--queue', redis.url, '--mode', 'agents', '--keep-failed'],
        env,
      );
      procs.push(coordinator);
      expect(await coordinator.exit, coordinator.output()).toBe(1);
      const status = start(repo, ['status', 'remfail', '--json'], env);
      expect(await status.exit).toBe(0);
      const reason: string = JSON.parse(status.output()).tasks[0].reason;
      expect(reason).toContain('2 tests failed');
      expect(reason).not.toContain('work kept on');
      expect(reason).toMatch(/no work kept: it ran on worker \S+, which keeps none of a failed attempt/);
      expect(coordinator.output()).not.toContain('work kept on');
      // No branch and no worktree of the task on the coordinator: nothing was ever in them.
      const branches = await gitA(repo, 'branch', '--list', 'milestone/remfail.tasks/*');
      expect(branches).toBe('');
      const worktrees = await gitA(repo, 'worktree', 'list', '--porcelain');
      expect(worktrees).not.toMatch(/remfail[/\\]half/);
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
    });
  });

  it("a commit the coordinator refuses (no Task-Id: trailer) is named where it is, the worker's branch on the remote, not the empty local one", async () => {
    await withRedis(async (redis, procs, clients) => {
      // A worker of our own: it pushes a commit without the task's trailers, as a broken or
      // foreign worker might, and reports it as done.
      const workerRepo = await clone(await bareRemote(), 'scratch');
      const remote = await bareRemote();
      const { repo, env } = await plannedClone(remote, {
        milestone: 'Refused commit',
        id: 'refused',
        defaults: { agent: 'shell', retries: 0 },
        tasks: [{ id: 'bad', title: 'Bad', files: ['bad.txt'], run: 'echo bad > bad.txt' }],
      });
      const pushedTo: string[] = [];
      const worker = new Worker(
        'tasks-shell',
        async (job: Job) => {
          const data = job.data as { milestoneId: string; startPoint: string; attempt: number };
          await gitA(workerRepo, 'fetch', '-q', remote, `refs/heads/milestone/${data.milestoneId}`);
          await gitA(workerRepo, 'checkout', '-q', '--detach', data.startPoint);
          writeFiles(workerRepo, { 'bad.txt': 'bad\n' });
          await gitA(workerRepo, 'add', 'bad.txt');
          await gitA(workerRepo, 'commit', '-q', '-m', 'no trailers here');
          const commit = await gitA(workerRepo, 'rev-parse', 'HEAD');
          const ref = `refs/heads/milestone/${data.milestoneId}.tasks/bad.a${data.attempt}-abcd1234`;
          await gitA(workerRepo, 'push', '-q', remote, `HEAD:${ref}`);
          pushedTo.push(ref);
          return {
            version: 1,
            worker: 'rogue-1',
            ok: true,
            reason: null,
            retryable: false,
            timedOut: false,
            canceled: false,
            usage: { inputTokens: null, outputTokens: null, costUsd: null },
            commit,
            ref,
            durationMs: 1,
            log: '/nowhere/attempt.log',
            logTail: '',
          };
        },
        bullConnection(redis),
      );
      clients.push(worker);

      const coordinator = start(repo, ['execute', 'refused', '--queue', redis.url, '--mode', 'agents'], env);
      procs.push(coordinator);
      expect(await coordinator.exit, coordinator.output()).toBe(1);
      expect(pushedTo).toEqual(['refs/heads/milestone/refused.tasks/bad.a1-abcd1234']);
      const out = coordinator.output();
      expect(out).toMatch(
        /has no Task-Id: bad trailer \(log: \S+\); work kept on milestone\/refused\.tasks\/bad\.a1-abcd1234 on origin/,
      );
      expect(out).not.toContain('work kept on milestone/refused.tasks/bad ');
      // It is there, and nothing local claims it.
      expect(await gitA(remote, 'show', 'milestone/refused.tasks/bad.a1-abcd1234:bad.txt')).toBe('bad');
      expect(await gitA(repo, 'branch', '--list', 'milestone/refused.tasks/*')).toBe('');
    });
  });
});
