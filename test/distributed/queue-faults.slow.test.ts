import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { gitA } from '../helpers/async-cli.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';
import { bareRemote, clone, type Proc, start } from '../helpers/queue-cluster.js';
import { redisUnavailable, startRedis } from '../helpers/redis-server.js';

const unavailable = await redisUnavailable();
if (unavailable) console.warn(`skipping the distributed fault tests: ${unavailable}`);

async function plannedClone(remote: string, tasks: object[]) {
  const repo = await clone(remote, 'coordinator');
  writeFiles(repo, {
    'plan.yaml': stringify({
      version: 1,
      milestone: 'Faults',
      id: 'faults',
      defaults: { agent: 'shell', retries: 0 },
      tasks,
    }),
  });
  const env = { XDG_STATE_HOME: tempDir('milestone-state-') };
  const planned = start(repo, ['plan', '--from', 'plan.yaml'], env);
  expect(await planned.exit, planned.output()).toBe(0);
  return { repo, env };
}

async function landedTasks(remote: string): Promise<string[]> {
  const log = await gitA(
    remote,
    'log',
    '--first-parent',
    '--format=%(trailers:key=Task-Id,valueonly)',
    'milestone/faults',
  );
  return log.split('\n').filter(Boolean).sort();
}

describe.skipIf(unavailable !== null)('execute --queue faults', () => {
  it('a coordinator killed -9 mid-run resumes from its store and the queue: running jobs are adopted, not run twice', async () => {
    const redis = await startRedis();
    const procs: Proc[] = [];
    try {
      const remote = await bareRemote();
      const tasks = ['a', 'b', 'c', 'd'].map((id) => ({
        id,
        title: `Write ${id}`,
        files: [`${id}.txt`],
        run: `sleep 2 && echo ${id} > ${id}.txt`,
      }));
      const { repo, env } = await plannedClone(remote, tasks);
      const worker = start(
        await clone(remote, 'w1'),
        ['worker', '--queue', redis.url, '--concurrency', '4', '--agents', 'shell'],
        { XDG_STATE_HOME: tempDir('milestone-state-') },
      );
      procs.push(worker);
      await worker.waitFor('waiting for tasks');
      const args = ['execute', 'faults', '--queue', redis.url, '--concurrency', '4', '--mode', 'agents'];
      const first = start(repo, args, env);
      procs.push(first);
      await worker.waitFor(/running faults\/\w attempt 1/);
      first.child.kill('SIGKILL');
      await first.exit;
      const second = start(repo, args, env);
      procs.push(second);
      expect(await second.exit, second.output()).toBe(0);
      expect(second.output()).toMatch(/resuming with job faults\.\w\.\w+\.a1 left in the queue/);
      expect(await landedTasks(remote)).toEqual(['a', 'b', 'c', 'd']);
      // Each task ran once on the worker: the resumed coordinator waited for the jobs it found.
      for (const id of ['a', 'b', 'c', 'd'])
        expect(
          worker.output().match(new RegExp(`running faults/${id} attempt`, 'g'))?.length,
          worker.output(),
        ).toBe(1);
    } finally {
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await redis.stop();
    }
  });

  it("a push the remote refuses fails that task's attempt, with git's words; other tasks land (Redis with a password that is never printed)", async () => {
    const password = `pw-${process.pid}-secret`;
    const redis = await startRedis({ password });
    const procs: Proc[] = [];
    try {
      const remote = await bareRemote();
      // The remote refuses every push of task `blocked` (as a protected-ref hook would).
      const hook = join(remote, 'hooks', 'pre-receive');
      writeFileSync(
        hook,
        '#!/bin/sh\nwhile read old new ref; do case "$ref" in *tasks/blocked.*) echo "refs of blocked are not allowed" >&2; exit 1;; esac; done\nexit 0\n',
      );
      chmodSync(hook, 0o755);
      const { repo, env } = await plannedClone(remote, [
        { id: 'fine', title: 'Write fine', files: ['fine.txt'], run: 'echo fine > fine.txt' },
        { id: 'blocked', title: 'Write blocked', files: ['blocked.txt'], run: 'echo no > blocked.txt' },
      ]);
      const worker = start(
        await clone(remote, 'w1'),
        ['worker', '--queue', redis.url, '--concurrency', '2', '--agents', 'shell'],
        { XDG_STATE_HOME: tempDir('milestone-state-') },
      );
      procs.push(worker);
      await worker.waitFor('waiting for tasks');
      const coordinator = start(
        repo,
        ['execute', 'faults', '--queue', redis.url, '--mode', 'agents', '--concurrency', '2'],
        env,
      );
      procs.push(coordinator);
      expect(await coordinator.exit, coordinator.output()).toBe(1);
      expect(coordinator.output()).toMatch(
        /failed: blocked: push of milestone\/faults\.tasks\/blocked\.a1-\w+ to origin refused: .*pre-receive hook declined/,
      );
      expect(await landedTasks(remote)).toEqual(['fine']);
      expect(worker.child.exitCode).toBe(null);
      for (const output of [coordinator.output(), worker.output()]) {
        expect(output).not.toContain(password);
        expect(output).toContain(`redis://:***@127.0.0.1:${redis.port}/0`);
      }
    } finally {
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await redis.stop();
    }
  });
});
