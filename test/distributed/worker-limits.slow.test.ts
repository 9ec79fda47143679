import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { gitA } from '../helpers/async-cli.js';
import { writeFiles } from '../helpers/git-repo.js';
import { bareRemote, clone, plannedClone, start, startWorker, withRedis } from '../helpers/queue-cluster.js';
import { redisUnavailable } from '../helpers/redis-server.js';

const unavailable = await redisUnavailable();
if (unavailable) console.warn(`skipping the worker limits test: ${unavailable}`);

/** Field 19 of /proc/<pid>/stat: the niceness (comm may hold spaces; cut at the last ')'). */
async function nicenessOf(pid: number | string): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe.skipIf(unavailable !== null)('milestone worker applies config limits as a local run does', () => {
  it('runs itself and its tasks at limits.nice, and stops a task that outgrows limits.outputMaxMb as a runaway', async () => {
    await withRedis(async (redis, procs) => {
      const own = await nicenessOf('self');
      const target = Math.min(19, own + 3);
      const remote = await bareRemote();
      const { repo, env } = await plannedClone(remote, {
        milestone: 'Limits',
        id: 'limits',
        defaults: { agent: 'shell', retries: 0 },
        tasks: [
          // The task's shell records its own niceness in the commit the worker pushes.
          {
            id: 'nice',
            title: 'Write nice',
            files: ['nice.txt'],
            run: "awk '{ print $19 }' /proc/$$/stat > nice.txt",
          },
          {
            id: 'loud',
            title: 'Write loud',
            files: ['loud.txt'],
            run: "head -c 3000000 /dev/zero | tr '\\0' x; echo done > loud.txt",
          },
        ],
      });

      // The worker's own clone configures its limits (the coordinator's default nice is 10).
      const workerRepo = await clone(remote, 'w1');
      writeFiles(workerRepo, {
        '.milestones/config.yaml': stringify({ limits: { nice: 3, outputMaxMb: 1 } }),
      });
      const worker = await startWorker(workerRepo, redis, procs, ['--concurrency', '2', '--agents', 'shell']);
      // The worker process itself, as `execute` lowers itself: its git and agents inherit it.
      expect(await nicenessOf(worker.child.pid!)).toBe(target);

      const coordinator = start(
        repo,
        ['execute', 'limits', '--queue', redis.url, '--mode', 'agents', '--concurrency', '2'],
        { ...env },
      );
      procs.push(coordinator);
      expect(await coordinator.exit, coordinator.output()).toBe(1);
      expect(coordinator.output()).toMatch(/failed: loud: .*runaway: printed more than 1 MB; stopped/);
      expect(worker.output()).toMatch(/loud attempt 1 failed: .*runaway: printed more than 1 MB/);
      const landed = await gitA(remote, 'show', 'milestone/limits:nice.txt');
      expect(Number(landed.trim())).toBe(target);

      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
    });
  });
});
