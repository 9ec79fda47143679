import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { QUEUE_PREFIX } from '../../src/distributed/job-schema.js';
import { gitA } from './async-cli.js';
import { CLI, GIT_ENV, tempDir, writeFiles } from './git-repo.js';
import { type RedisServer, startRedis } from './redis-server.js';

/** A CLI process of a queue test (coordinator or worker), with its output. */
export interface Proc {
  child: ChildProcess;
  output: () => string;
  waitFor: (text: string | RegExp) => Promise<void>;
  exit: Promise<number | null>;
}

/** Starts the built CLI in `cwd`. */
export function start(cwd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exit,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const matches = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
        if (matches()) return resolve();
        const check = () => {
          if (matches()) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        exit.then(() => {
          if (!matches()) reject(new Error(`exited before printing ${pattern}:\n${text}`));
        });
      }),
  };
}

/** A bare repository as the shared remote, with one commit on main. */
export async function bareRemote(): Promise<string> {
  const seed = tempDir('milestone-seed-');
  await gitA(seed, 'init', '-q', '-b', 'main');
  writeFiles(seed, { 'README.md': '# distributed\n' });
  await gitA(seed, 'add', '-A');
  await gitA(seed, 'commit', '-q', '-m', 'initial');
  const bare = join(tempDir('milestone-remote-'), 'origin.git');
  await gitA(seed, 'clone', '-q', '--bare', seed, bare);
  return bare;
}

/** A clone of `remote` with a commit identity. */
export async function clone(remote: string, name: string): Promise<string> {
  const dir = join(tempDir(`milestone-${name}-`), name);
  await gitA(tempDir(), 'clone', '-q', remote, dir);
  await gitA(dir, 'config', 'user.name', GIT_ENV.GIT_AUTHOR_NAME);
  await gitA(dir, 'config', 'user.email', GIT_ENV.GIT_AUTHOR_EMAIL);
  return dir;
}

/**
 * A coordinator's clone of `remote` with `plan` (a plan file's fields but `version`) planned from
 * `plan.yaml`, and the environment its commands run with (its own state folder).
 */
export async function plannedClone(
  remote: string,
  plan: object,
): Promise<{ repo: string; env: Record<string, string> }> {
  const repo = await clone(remote, 'coordinator');
  writeFiles(repo, { 'plan.yaml': stringify({ version: 1, ...plan }) });
  const env = { XDG_STATE_HOME: tempDir('milestone-state-') };
  const made = start(repo, ['plan', '--from', 'plan.yaml'], env);
  const code = await made.exit;
  if (code !== 0) throw new Error(`plan --from plan.yaml exited ${code}: ${made.output()}`);
  return { repo, env };
}

/**
 * Starts `milestone worker --queue <redis> ...args` in `dir` with a state folder of its own (unless
 * `env` names one), adds it to `procs` and waits until it says it waits for tasks.
 */
export async function startWorker(
  dir: string,
  redis: RedisServer,
  procs: Proc[],
  args: string[],
  env: Record<string, string> = {},
): Promise<Proc> {
  const worker = start(dir, ['worker', '--queue', redis.url, ...args], {
    XDG_STATE_HOME: tempDir('milestone-state-'),
    ...env,
  });
  procs.push(worker);
  await worker.waitFor('waiting for tasks');
  return worker;
}

/** The names of the `_slot-N` folders under a worker's state folder (worktrees live there by default), sorted. */
export function slotsUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (/^_slot-\d+$/.test(entry.name)) found.push(entry.name);
      else walk(join(path, entry.name));
    }
  };
  walk(dir);
  return found.sort();
}

/** A BullMQ client a test opens itself (a `Queue`, a `Worker`). */
export interface QueueClient {
  close(): Promise<void>;
}

/**
 * Runs `body` with a Redis server of its own (`options` as `startRedis` takes them), a list for
 * the processes it starts and one for the BullMQ clients it opens; at the end, whatever happened,
 * kills those processes still running, closes the clients and stops the server (with
 * `DEBUG_QUEUE_TEST` set, prints the processes' output first).
 */
export async function withRedis(
  body: (redis: RedisServer, procs: Proc[], clients: QueueClient[]) => Promise<void>,
  options: Parameters<typeof startRedis>[0] = {},
): Promise<void> {
  const redis = await startRedis(options);
  const procs: Proc[] = [];
  const clients: QueueClient[] = [];
  try {
    await body(redis, procs, clients);
  } finally {
    if (process.env.DEBUG_QUEUE_TEST) for (const p of procs) console.log(p.output());
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const client of clients) await client.close();
    await redis.stop();
  }
}

/** The BullMQ connection options for `redis` (milestone's prefix goes with them). */
export function bullConnection(redis: RedisServer): {
  connection: { host: string; port: number };
  prefix: string;
} {
  return { connection: { host: '127.0.0.1', port: redis.port }, prefix: QUEUE_PREFIX };
}

/** The `outcome` events of one step in the coordinator's store of `repo`, as stored. */
export function storedOutcomes(
  repo: string,
  step: string,
): Array<{ ok?: boolean; taskId?: string; detail?: Record<string, unknown> }> {
  const db = new Database(join(repo, '.milestones', '.local', 'store.db'), { readonly: true });
  try {
    return db
      .prepare("SELECT data FROM events WHERE type = 'outcome' ORDER BY seq")
      .all()
      .map((row) => JSON.parse((row as { data: string }).data))
      .filter((e) => e.step === step);
  } finally {
    db.close();
  }
}
