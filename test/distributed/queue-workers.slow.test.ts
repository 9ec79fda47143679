import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { gitA, milestoneAsync, until } from '../helpers/async-cli.js';
import {
  bareRemote,
  bullConnection,
  clone,
  type Proc,
  plannedClone,
  start,
  startWorker,
  storedOutcomes,
  withRedis,
} from '../helpers/queue-cluster.js';
import { redisUnavailable } from '../helpers/redis-server.js';

const unavailable = await redisUnavailable();
if (unavailable) console.warn(`skipping the distributed worker tests: ${unavailable}`);

const TASKS = Array.from({ length: 12 }, (_, i) => `t${i + 1}`);

describe.skipIf(unavailable !== null)('execute --queue with milestone worker processes', () => {
  it('lands 12 tasks exactly once through 3 workers while one is killed -9, Redis stops for a moment and a malformed job arrives', async () => {
    await withRedis(async (redis, procs, clients) => {
      const remote = await bareRemote();
      const { repo: coordinatorRepo, env } = await plannedClone(remote, {
        milestone: 'Distributed demo',
        id: 'dist',
        defaults: { agent: 'shell', retries: 2 },
        tasks: TASKS.map((id, i) => ({
          id,
          title: `Write ${id}`,
          files: [`out/${id}.txt`],
          // Slow enough that a worker is caught mid-task; t12 waits for t1 (dependencies hold).
          run: `sleep 1.5 && mkdir -p out && echo ${id} > out/${id}.txt`,
          ...(i === 11 && { needs: ['t1'] }),
        })),
      });

      const workerArgs = ['--concurrency', '2', '--agents', 'shell', '--stall-timeout', '2s'];
      for (const name of ['w1', 'w2', 'w3'])
        await startWorker(await clone(remote, name), redis, procs, workerArgs);
      const [w1, w2, w3] = procs as [Proc, Proc, Proc];

      // A malformed job: refused with the field named, the worker keeps going.
      const queue = new Queue('tasks-shell', bullConnection(redis));
      clients.push(queue);
      await queue.add('task', { version: 1, milestoneId: '../../etc', attempt: 1 }, { jobId: 'malformed-1' });
      await until(
        async () => procs.some((p) => p.output().includes('refused job malformed-1: milestoneId')),
        'a worker to refuse the malformed job',
      );
      // Failed in the queue (not retried), with the worker's reason.
      await until(
        async () => (await (await queue.getJob('malformed-1'))?.getState()) === 'failed',
        'the job to fail',
      );
      expect((await queue.getJob('malformed-1'))?.failedReason).toMatch(/refused by worker .*milestoneId/);
      // Closed before Redis stops below (closing again at the end is a no-op).
      await queue.close();

      const coordinator = start(
        coordinatorRepo,
        ['execute', 'dist', '--queue', redis.url, '--concurrency', '6', '--mode', 'agents'],
        env,
      );
      procs.push(coordinator);
      // kill -9 the first worker in the middle of a task: its job stalls and runs elsewhere.
      await w1.waitFor(/running dist\/t\d+ attempt/);
      const killedTask = /running dist\/(t\d+) attempt/.exec(w1.output())![1]!;
      w1.child.kill('SIGKILL');
      await w1.exit;
      // `status` names the worker of each running task.
      await until(
        async () =>
          / on worker \S+/.test((await milestoneAsync(coordinatorRepo, ['status', 'dist'], env)).stdout),
        'status to name a worker',
      );

      // Redis goes away for a moment once some tasks landed; everyone waits and continues.
      await until(
        async () => (coordinator.output().match(/ succeeded/g) ?? []).length >= 3,
        'three landings',
      );
      await redis.stop();
      await coordinator.waitFor('waiting for Redis');
      await w2.waitFor('waiting for Redis');
      await redis.start();
      await coordinator.waitFor('is back');

      const code = await coordinator.exit;
      expect(code, coordinator.output()).toBe(0);
      expect(coordinator.output()).not.toContain(redis.url.replace('redis://', 'redis://:'));

      // Every task landed exactly once on the remote's milestone branch.
      const trailers = (
        await gitA(
          remote,
          'log',
          '--first-parent',
          '--format=%(trailers:key=Task-Id,valueonly)',
          'milestone/dist',
        )
      )
        .split('\n')
        .filter(Boolean)
        .sort();
      expect(trailers).toEqual([...TASKS].sort());
      const files = (await gitA(remote, 'ls-tree', '-r', '--name-only', 'milestone/dist', 'out/')).split(
        '\n',
      );
      expect(files.sort()).toEqual(TASKS.map((t) => `out/${t}.txt`).sort());
      // The killed worker's task ran again on another worker (status recorded both).
      const events = storedOutcomes(coordinatorRepo, 'remote_worker');
      const takers = events.filter((e) => e.taskId === killedTask).map((e) => e.detail?.worker);
      expect(new Set(takers).size, JSON.stringify(events)).toBeGreaterThanOrEqual(2);
      // No attempt branch is left on the remote.
      expect(
        await gitA(remote, 'for-each-ref', '--format=%(refname)', 'refs/heads/milestone/dist.tasks/'),
      ).toBe('');

      for (const worker of [w2, w3]) worker.child.kill('SIGTERM');
      expect(await w2.exit).toBe(0);
      expect(await w3.exit).toBe(0);
      expect(w2.output()).toContain('worker stopped');
    });
  });
});
