import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/git-repo.js';
import {
  bareRemote,
  clone,
  plannedClone,
  start,
  storedOutcomes,
  withRedis,
} from '../helpers/queue-cluster.js';
import { redisUnavailable } from '../helpers/redis-server.js';

const unavailable = await redisUnavailable();
if (unavailable) console.warn(`skipping the adopted-job test: ${unavailable}`);

describe.skipIf(unavailable !== null)('a job adopted by a resumed coordinator', () => {
  it('is said and stored as what it is: attempt 1 of the earlier run, adopted as attempt 2', async () => {
    await withRedis(async (redis, procs) => {
      const remote = await bareRemote();
      // The task runs until the test lets it finish: the job is running when it is adopted.
      const go = join(tempDir('milestone-go-'), 'go');
      const { repo, env } = await plannedClone(remote, {
        milestone: 'Adopt',
        id: 'adopt',
        defaults: { agent: 'shell', retries: 0 },
        tasks: [
          {
            id: 'a',
            title: 'Write a',
            files: ['a.txt'],
            run: `while [ ! -e ${go} ]; do sleep 0.1; done; echo a > a.txt`,
          },
        ],
      });
      const worker = start(await clone(remote, 'w1'), ['worker', '--queue', redis.url, '--agents', 'shell'], {
        XDG_STATE_HOME: tempDir('milestone-state-'),
      });
      procs.push(worker);
      await worker.waitFor('waiting for tasks');
      const args = ['execute', 'adopt', '--queue', redis.url, '--mode', 'agents'];
      const first = start(repo, args, env);
      procs.push(first);
      await worker.waitFor(/running adopt\/a attempt 1/);
      first.child.kill('SIGKILL');
      await first.exit;
      const second = start(repo, args, { ...env });
      procs.push(second);
      await second.waitFor('adopted as attempt 2');
      writeFileSync(go, '');
      expect(await second.exit, second.output()).toBe(0);
      const out = second.output();
      // The worker runs the job of attempt 1 once; the resumed run counts it as its attempt 2.
      expect(worker.output().match(/running adopt\/a attempt \d/g)).toEqual(['running adopt/a attempt 1']);
      const job =
        /a: resuming with job (adopt\.a\.\w+\.a1) left in the queue by an earlier run \(its attempt 1, running\): adopted as attempt 2, no new job/.exec(
          out,
        )?.[1];
      expect(job, out).toBeDefined();
      expect(out).toMatch(/a: attempt 2 \(the adopted job of attempt 1\) runs on worker \S+/);
      // Recovery says only what happens: the task runs again on a worker, not in a local worktree.
      expect(out).toContain('a was interrupted; it will run again on a worker');
      expect(out).not.toContain('fresh worktree');
      expect(out).not.toMatch(/a: attempt 2 runs on worker/);
      // Stored as said: which worker ran attempt 2, and that it was the job of attempt 1.
      const adopted = { job, attempt: 1 };
      expect(storedOutcomes(repo, 'remote_worker').at(-1)?.detail).toMatchObject({ attempt: 2, adopted });
      expect(storedOutcomes(repo, 'agent').map((e) => [e.ok, e.detail?.attempt, e.detail?.adopted])).toEqual([
        [true, 2, adopted],
      ]);
    });
  });
});
