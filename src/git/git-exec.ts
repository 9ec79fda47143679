import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { redactSecrets } from '../process/redact-secrets.js';
import { GitError } from './git-error.js';
import { ShellPool, shellCanRun } from './shell-pool.js';

/** Options of one git invocation. */
export interface GitExecOptions {
  /** Written to git's stdin. */
  input?: string;
  /** Merged over the sanitized environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Exit codes besides 0 that are answers, not failures (e.g. 1 for "no" or "conflict"). */
  allowExitCodes?: readonly number[];
  /** Kill git (SIGTERM) after this long; for commands that may touch the network. */
  timeoutMs?: number;
  /** Aborting kills git; the call then throws a {@link GitError} with the abort as cause. */
  signal?: AbortSignal;
}

/** The outcome of a git invocation whose exit code was expected. */
export interface GitExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Variables that point git at another repository, index or config (set inside hooks and
 * nested git calls); `cwd` alone must decide which repository a command sees.
 */
const REPO_LOCAL_ENV = [
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_CONFIG',
  'GIT_CONFIG_COUNT',
  'GIT_CONFIG_PARAMETERS',
  'GIT_DIR',
  'GIT_GRAFT_FILE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_OBJECT_DIRECTORY',
  'GIT_PREFIX',
  'GIT_REPLACE_REF_BASE',
  'GIT_SHALLOW_FILE',
  'GIT_WORK_TREE',
];

/** The environment git runs with: no repository overrides, no prompts, English messages. */
export function gitEnv(overrides?: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...baseEnv() };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

let cached: { source: string; env: NodeJS.ProcessEnv } | null = null;

/** Variables whose change rebuilds the cached environment (reading a few is cheap; listing all is not). */
const WATCHED_ENV = [
  'PATH',
  'HOME',
  'XDG_CONFIG_HOME',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
];

/**
 * The sanitized `process.env`, copied once and again only when a watched variable changed:
 * copying `process.env` (a slow enumeration) for every git call was a visible share of a run's
 * CPU. Per-call variables go through `GitExecOptions.env`.
 */
function baseEnv(): NodeJS.ProcessEnv {
  const key = WATCHED_ENV.map((name) => process.env[name] ?? '\u0001').join('\0');
  if (cached?.source === key) return cached.env;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REPO_LOCAL_ENV) delete env[name];
  // Headless: a credential or editor prompt would hang; C locale keeps stderr matchable.
  Object.assign(env, { GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', LC_ALL: 'C' });
  cached = { source: key, env };
  return env;
}

/**
 * The sanitized environment itself (not a copy): the same object until a watched variable
 * changes, so long-lived git processes can tell when theirs is out of date.
 * @internal
 */
export function gitBaseEnv(): NodeJS.ProcessEnv {
  return baseEnv();
}

/** The shells that run git for {@link gitExec} (started on first use, with the sanitized environment). */
const shells = new ShellPool({ env: baseEnv });

/**
 * The pool of shells behind {@link gitExec}: its shells' pids for tests, `close()` to end it early.
 * @internal
 */
export function gitShellPool(): ShellPool {
  return shells;
}

/**
 * Runs `git <args>` in `cwd` and collects its output. Throws a {@link GitError} naming the
 * command and git's stderr when git cannot start or exits with a code not allowed.
 *
 * Without `timeoutMs` and `signal`, git starts from a pooled long-lived shell (shell-pool.ts):
 * a fork of this process costs ~10 ms of CPU and stalls its event loop, a fork of sh almost
 * nothing. `MILESTONE_GIT_SPAWN=direct` spawns every git from this process instead.
 */
export function gitExec(
  cwd: string,
  args: readonly string[],
  options: GitExecOptions = {},
): Promise<GitExecResult> {
  if (subcommand(args) === 'worktree')
    return oneAtATime(resolvePath(cwd), () => startGit(cwd, args, options));
  return startGit(cwd, args, options);
}

/**
 * `git worktree add` is not safe beside another in one repository: each reads every worktree's
 * admin files, which the other may be half-way writing ("failed to read
 * .git/worktrees/_slot-3/commondir"; seen with direct spawns too, more often when the commands
 * start close together). So `worktree` commands run one at a time per directory.
 */
const worktreeQueues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(key: string, run: () => Promise<T>): Promise<T> {
  const result = (worktreeQueues.get(key) ?? Promise.resolve()).then(run);
  const tail = result.catch(() => undefined);
  worktreeQueues.set(key, tail);
  void tail.then(() => {
    if (worktreeQueues.get(key) === tail) worktreeQueues.delete(key);
  });
  return result;
}

/** The git command of `args`, after git's own options (`-c name=value`, `-C dir`, `--flag`). */
function subcommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '-C') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function startGit(cwd: string, args: readonly string[], options: GitExecOptions): Promise<GitExecResult> {
  if (
    options.timeoutMs === undefined &&
    options.signal === undefined &&
    process.env.MILESTONE_GIT_SPAWN !== 'direct'
  ) {
    const command = {
      cwd: resolvePath(cwd),
      args,
      ...(options.input !== undefined && { input: options.input }),
      ...(options.env !== undefined && { env: options.env }),
    };
    if (shellCanRun(command)) return viaShell(cwd, args, options, command);
  }
  return spawnGit(cwd, args, options);
}

async function viaShell(
  cwd: string,
  args: readonly string[],
  options: GitExecOptions,
  command: Parameters<ShellPool['run']>[0],
): Promise<GitExecResult> {
  let outcome: Awaited<ReturnType<ShellPool['run']>>;
  try {
    outcome = await shells.run(command);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new GitError(
      redactSecrets(`${formatCommand(args)} could not finish in ${cwd}: ${why}`),
      args,
      cwd,
      null,
      '',
      { cause: error },
    );
  }
  // Git never ran (no such directory, no git, no shell): the direct spawn says why, as always.
  if (!outcome.ran) return spawnGit(cwd, args, options);
  const { status } = outcome;
  // sh reports a git killed by signal n as the exit code 128+n, which git may also exit with (an
  // alias whose command died): the message names both; git's own codes end at 129 (usage).
  const signal = status > 129 ? signalName(status - 128) : null;
  const note = signal === null ? '' : `: killed by ${signal}, or exited so`;
  return settle(cwd, args, options.allowExitCodes ?? [], status, null, outcome.stdout, outcome.stderr, note);
}

function signalName(signal: number): string | null {
  for (const [name, value] of Object.entries(constants.signals)) if (value === signal) return name;
  return null;
}

/** `git <args>` as a child of this process: for kills (timeout, abort) and what sh cannot pass. */
function spawnGit(cwd: string, args: readonly string[], options: GitExecOptions): Promise<GitExecResult> {
  const allowed = options.allowExitCodes ?? [];
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: gitEnv(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    if (child.stdin && options.input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    let failed = false;
    child.once('error', (error) => {
      failed = true;
      reject(
        new GitError(
          `${formatCommand(args)} could not run in ${cwd}: ${error.message}`,
          args,
          cwd,
          null,
          '',
          {
            cause: error,
          },
        ),
      );
    });
    child.once('close', (code, signal) => {
      if (failed) return;
      try {
        resolve(settle(cwd, args, allowed, code, signal, Buffer.concat(out), Buffer.concat(err)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The result of an ended git, or the {@link GitError} of a code not allowed or a kill. */
function settle(
  cwd: string,
  args: readonly string[],
  allowed: readonly number[],
  code: number | null,
  signal: string | null,
  out: Buffer,
  err: Buffer,
  /** After the exit code in a failure's message. */
  note = '',
): GitExecResult {
  const stdout = out.toString('utf8');
  // Output is data (file contents) on success; a failure's text may quote a token in a URL.
  const stderr = err.toString('utf8').trim();
  if (code === 0 || (code !== null && allowed.includes(code))) return { stdout, stderr, exitCode: code };
  const how = code === null ? `was killed by ${signal}` : `failed (exit ${code}${note})`;
  throw new GitError(
    redactSecrets(`${formatCommand(args)} ${how} in ${cwd}${stderr ? `: ${stderr}` : ''}`),
    args,
    cwd,
    code,
    redactSecrets(stderr),
  );
}

function formatCommand(args: readonly string[]): string {
  return `git ${args.map((a) => (/^[\w./:=@^{}~+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`;
}
