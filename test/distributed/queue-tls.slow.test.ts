import { describe, expect, it } from 'vitest';
import { gitA, milestoneAsync } from '../helpers/async-cli.js';
import { tempDir } from '../helpers/git-repo.js';
import { bareRemote, clone, plannedClone, start, withRedis } from '../helpers/queue-cluster.js';
import { redisTlsUnavailable } from '../helpers/redis-server.js';

const unavailable = await redisTlsUnavailable();
if (unavailable) console.warn(`skipping the TLS queue test: ${unavailable}`);

const PASSWORD = 'tls-secret-7f3a';

describe.skipIf(unavailable !== null)('execute and worker over rediss:// (TLS)', () => {
  it('refuse a server certificate this machine does not trust (exit 2, the CA advice, no password), then run the milestone with the private CA in NODE_EXTRA_CA_CERTS', async () => {
    await withRedis(
      async (redis, procs) => {
        expect(redis.url).toMatch(/^rediss:\/\//);
        const remote = await bareRemote();
        const { repo, env } = await plannedClone(remote, {
          milestone: 'Over TLS',
          id: 'tls',
          defaults: { agent: 'shell' },
          tasks: ['a', 'b'].map((id) => ({
            id,
            title: `Write ${id}`,
            files: [`${id}.txt`],
            run: `echo ${id} > ${id}.txt`,
          })),
        });
        const workerRepo = await clone(remote, 'w1');
        const workerEnv = { XDG_STATE_HOME: tempDir('milestone-state-') };
        const workerArgs = ['worker', '--queue', redis.url, '--agents', 'shell'];
        const executeArgs = [
          'execute',
          'tls',
          '--queue',
          redis.url,
          '--mode',
          'agents',
          '--concurrency',
          '2',
        ];

        // Without the CA: both sides stop at once with one clear message, and the status is untouched.
        for (const [cwd, args, extra] of [
          [workerRepo, workerArgs, workerEnv],
          [repo, executeArgs, env],
        ] as const) {
          const proc = start(cwd, args, { ...extra, NODE_EXTRA_CA_CERTS: '' });
          procs.push(proc);
          expect(await proc.exit, proc.output()).toBe(2);
          const out = proc.output();
          expect(out).toContain(`rediss://:***@127.0.0.1:${redis.port}/0`);
          expect(out).toMatch(/certificate .*not trust/);
          expect(out).toContain('NODE_EXTRA_CA_CERTS');
          expect(out).not.toContain(PASSWORD);
          expect(out.match(/not trust/g)).toHaveLength(1);
        }
        expect((await milestoneAsync(repo, ['status', 'tls', '--json'], env)).stdout).toContain(
          '"status": "planned"',
        );

        // With the private CA: the worker runs both tasks, the coordinator lands them.
        const trusted = { NODE_EXTRA_CA_CERTS: redis.caFile! };
        const worker = start(workerRepo, workerArgs, { ...workerEnv, ...trusted });
        procs.push(worker);
        await worker.waitFor('waiting for tasks');
        const coordinator = start(repo, executeArgs, { ...env, ...trusted });
        procs.push(coordinator);
        expect(await coordinator.exit, coordinator.output()).toBe(0);
        expect(coordinator.output()).not.toContain(PASSWORD);
        // An IP address is no TLS server name (Node would warn, DEP0123).
        expect(coordinator.output() + worker.output()).not.toContain('DEP0123');
        await worker.waitFor(/running tls\/b attempt/);
        const files = await gitA(remote, 'ls-tree', '--name-only', 'milestone/tls');
        expect(files.split('\n').sort()).toEqual(['.milestones', 'README.md', 'a.txt', 'b.txt']);
      },
      { tls: true, password: PASSWORD },
    );
  });

  it('stop at once with one message naming the URL and the fix when the scheme does not match the server: rediss:// to a plain Redis, redis:// to a TLS-only one', async () => {
    const remote = await bareRemote();
    const { repo, env } = await plannedClone(remote, {
      milestone: 'Scheme',
      id: 'scheme',
      defaults: { agent: 'shell' },
      tasks: [{ id: 'a', title: 'Write a', files: ['a.txt'], run: 'echo a > a.txt' }],
    });
    const workerRepo = await clone(remote, 'w1');
    const workerEnv = { XDG_STATE_HOME: tempDir('milestone-state-') };
    for (const tls of [false, true]) {
      await withRedis(
        async (redis, procs) => {
          // The other scheme than the server's: TLS to a plain server (whose handshake hangs
          // until the connect timeout, then looks like an outage), plain to a TLS-only one.
          const wrong = tls
            ? redis.url.replace(/^rediss:/, 'redis:')
            : redis.url.replace(/^redis:/, 'rediss:');
          const shown = `${wrong.slice(0, wrong.indexOf('//') + 2)}:***@127.0.0.1:${redis.port}/0`;
          for (const [cwd, args, extra] of [
            [workerRepo, ['worker', '--queue', wrong, '--agents', 'shell'], workerEnv],
            [repo, ['execute', 'scheme', '--queue', wrong, '--mode', 'agents'], env],
          ] as const) {
            const proc = start(cwd, [...args], extra);
            procs.push(proc);
            expect(await proc.exit, proc.output()).toBe(2);
            const out = proc.output();
            expect(out).toContain(shown);
            expect(out).not.toContain(PASSWORD);
            expect(out).not.toContain('waiting for Redis');
            if (tls) expect(out).toContain('speaks only TLS on port');
            else expect(out).toContain('does not speak TLS on port');
            expect(out).toContain(tls ? 'use rediss://' : 'Use redis://');
            expect(out.match(/TLS on port/g)).toHaveLength(1);
          }
        },
        { tls, password: PASSWORD },
      );
    }
    expect((await milestoneAsync(repo, ['status', 'scheme', '--json'], env)).stdout).toContain(
      '"status": "planned"',
    );
  });
});
