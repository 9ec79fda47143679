import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tempDir, writeFiles } from '../helpers/git-repo.js';
import {
  bareRemote,
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
if (unavailable) console.warn(`skipping the worker disk-space test: ${unavailable}`);

describe.skipIf(unavailable !== null)("a worker's disk-space refusal", () => {
  it('comes back to the coordinator as a failed attempt (kind disk_space, the free and needed space, limits.minFreeMb), retried by its policy; the worker lives on and makes no slot', async () => {
    await withRedis(async (redis, procs) => {
      const remote = await bareRemote();
      const { repo, env } = await plannedClone(remote, {
        milestone: 'Disk space',
        id: 'space',
        defaults: { agent: 'shell', retries: 1 },
        tasks: [{ id: 'big', title: 'Write big', files: ['big.txt'], run: 'echo big > big.txt' }],
      });

      // No disk has 1 PB free: the worker's check refuses every new slot, and nothing is filled.
      const workerRepo = await clone(remote, 'w1');
      writeFiles(workerRepo, {
        '.milestones/config.yaml': stringify({ limits: { minFreeMb: 1024 ** 3 } }),
      });
      const workerState = tempDir('milestone-state-');
      const worker = await startWorker(workerRepo, redis, procs, ['--agents', 'shell'], {
        XDG_STATE_HOME: workerState,
      });

      const coordinator = start(
        repo,
        ['execute', 'space', '--queue', redis.url, '--mode', 'agents', '--concurrency', '1'],
        { ...env },
      );
      procs.push(coordinator);
      expect(await coordinator.exit, coordinator.output()).toBe(1);
      const out = coordinator.output();
      // The policy ran with the real reason: one retry (retries: 1), then the task failed with it.
      expect(out).toMatch(
        /big ready: attempt 1 failed \(not enough disk space for a new worktree slot.*\); retrying in/,
      );
      expect(out).toMatch(
        /failed: big: .*not enough disk space for a new worktree slot in \S+_slots: it needs [\d.]+ MB \(checkout \d+ KB \+ limits\.minFreeMb 1073741824 MB\), [\d.]+ [KM]B is free; .*limits\.minFreeMb.*\(on \S+\)/,
      );
      expect(out).not.toContain('the queue failed job');
      expect(worker.output()).toMatch(/big attempt 1 failed: .*not enough disk space/);
      expect(worker.output()).toMatch(/big attempt 2 failed: .*not enough disk space/);

      // The attempt's log on the coordinator (the worker's tail) says why.
      const logCopy = readFileSync(
        join(repo, '.milestones', '.local', 'logs', 'space', 'big', 'attempt-2.log'),
        'utf8',
      );
      expect(logCopy).toMatch(/^milestone: worker \S+: not enough disk space for a new worktree slot/m);

      // Each attempt is recorded with its failure kind as data.
      const outcomes = storedOutcomes(repo, 'agent');
      expect(outcomes.map((e) => [e.ok, e.detail?.attempt, e.detail?.failureKind])).toEqual([
        [false, 1, 'disk_space'],
        [false, 2, 'disk_space'],
      ]);

      // Refused before anything of a slot existed; the worker is still taking jobs.
      expect(slotsUnder(workerState)).toEqual([]);
      expect(worker.child.exitCode).toBe(null);
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
    });
  });
});
