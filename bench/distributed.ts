import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Measurement, singleRun } from './measure.js';
import { noopTasks, planAndExecute } from './milestone-run.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';

const CLI = resolve(import.meta.dirname, '../dist/cli/main.js');
const WORKERS = 4;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' }).toString();

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function waitFor(child: ChildProcess, text: string): Promise<void> {
  return new Promise((done, fail) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) done();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`exited (${code}) before "${text}": ${seen.slice(-400)}`)));
  });
}

function timedRun(repo: string, stateHome: string, id: string, tasks: number, queue?: string) {
  return planAndExecute(repo, stateHome, {
    id,
    tasks: noopTasks(tasks, 't'),
    fields: { defaults: { agent: 'shell', retries: 0 } },
    mode: 'agents',
    concurrency: WORKERS,
    ...(queue && { queue }),
  });
}

function row(step: string, ms: number, tasks: number): Measurement {
  return singleRun(
    step,
    Math.round(ms),
    `${tasks} tasks, ${(ms / tasks).toFixed(0)} ms wall per task, ${((ms * WORKERS) / tasks).toFixed(0)} ms per task per slot`,
  );
}

/**
 * No-op `shell` tasks through 4 `milestone worker` processes on a private Redis against the
 * in-process engine with concurrency 4: what the queue, the pushes and the fetches cost per task.
 * `MILESTONE_BENCH_TASKS` sets the task count (default 200); one run each (a run is long).
 */
export const distributed: BenchSection = {
  name: 'distributed',
  title: `Queue workers (execute --queue, ${WORKERS} workers) vs in-process, no-op tasks`,
  async run() {
    const tasks = Number(process.env.MILESTONE_BENCH_TASKS ?? 200);
    const root = mkdtempSync(join(tmpdir(), 'milestone-bench-queue-'));
    const children: ChildProcess[] = [];
    try {
      const seed = benchRepository(join(root, 'seed'), 20);
      const remote = join(root, 'origin.git');
      git(root, 'clone', '-q', '--bare', seed, remote);
      const clone = (name: string) => {
        git(root, 'clone', '-q', remote, join(root, name));
        return join(root, name);
      };
      const local = await timedRun(clone('local'), join(root, 'state-local'), 'inproc', tasks);

      const port = await freePort();
      const redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', root, '--save', '', '--unixsocket', ''],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(redis);
      await waitFor(redis, 'Ready to accept connections');
      const url = `redis://127.0.0.1:${port}`;
      for (let i = 0; i < WORKERS; i++) {
        const dir = clone(`worker-${i}`);
        const worker = spawn(
          process.execPath,
          [CLI, 'worker', '--queue', url, '--agents', 'shell', '--concurrency', '1'],
          {
            cwd: dir,
            env: { ...process.env, XDG_STATE_HOME: join(root, `state-w${i}`) },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        children.push(worker);
        await waitFor(worker, 'waiting for tasks');
      }
      const queued = await timedRun(
        clone('coordinator'),
        join(root, 'state-coordinator'),
        'queued',
        tasks,
        url,
      );
      return [
        row('in-process engine, concurrency 4', local, tasks),
        row(`queue, ${WORKERS} worker processes`, queued, tasks),
      ];
    } finally {
      for (const child of children.reverse()) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    }
  },
};
