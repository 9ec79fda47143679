import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { cappedLog } from './capped-log.js';
import { createLineSplitter } from './line-splitter.js';
import { openLogFile } from './log-file.js';
import { ProcessStartError } from './process-error.js';
import { groupAlive, stopGroup, stopMembers } from './process-group.js';
import { currentProcessLimits, noteRunaway, withMemoryLimit } from './process-limits.js';
import { createRedactor, redactSecrets } from './redact-secrets.js';
import { lowerPriorityOf, lowerSessionOf, withNiceness } from './run-priority.js';
import { watchRunaway } from './runaway.js';
import { spawnerCanRun } from './spawner-kinds.js';
import { type SpawnedTask, taskSpawners } from './task-spawner.js';

/** What to run and how. */
export interface RunProcessOptions {
  /** The program; with `shell`, a command line for `/bin/sh -c`. */
  file: string;
  /** Arguments; with `shell`, they become `$1`, `$2`, ... of the command line. */
  args: string[];
  /** Working directory; always explicit, never inherited. */
  cwd: string;
  /** Merged over `process.env`; a key set to `undefined` is removed (e.g. `CLAUDECODE`). */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. Without it stdin is `/dev/null`. */
  input?: string;
  /** Stop the process group after this many milliseconds. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL; default 5000 ms. */
  graceMs?: number;
  /** Aborting stops the process group like a timeout does. */
  signal?: AbortSignal;
  /** Every stdout and stderr line is appended here, secrets redacted (file created with mode 0600). */
  logFile?: string;
  /** Called with each stdout line (without the line break or a trailing `\r`, secrets redacted); must not throw. */
  onStdoutLine?: (line: string) => void;
  /** Called once the process is running, with its pid (also its process group id). */
  onStart?: (pid: number) => void;
  /** Run `file` as a shell command line via `/bin/sh -c`. */
  shell?: boolean;
}

/** How a process ended. A non-zero exit is a value, not an error. */
export interface ProcessResult {
  /** `null` when the process ended by a signal or never started (aborted before). */
  exitCode: number | null;
  /** The signal that ended it, e.g. `SIGTERM`. */
  signal: string | null;
  /** The time limit was reached and the group was stopped. */
  timedOut: boolean;
  /** The abort signal fired and the group was stopped. */
  canceled: boolean;
  durationMs: number;
  /** The last ~4 KB of stdout, secrets redacted. */
  stdoutTail: string;
  /** The last ~4 KB of stderr, secrets redacted. */
  stderrTail: string;
}

const DEFAULT_GRACE_MS = 5000;
/** After the group is gone, how long a pipe held by an escaped (setsid) descendant may stay open. */
const PIPE_DRAIN_MS = 500;

/**
 * Runs a program in its own process group and waits for it. On timeout or abort the whole
 * group gets SIGTERM, then SIGKILL after `graceMs`; descendants left running after the program
 * exits are stopped the same way, so nothing of a run outlives it. Rejects only with a
 * {@link ProcessStartError} when the program cannot be started.
 */
/** A process started by this one, in its own process group (pgid = pid): one signal to -pid reaches every descendant. */
function spawnDirect(
  [command, args]: [string, string[]],
  options: RunProcessOptions,
  env: NodeJS.ProcessEnv,
): ChildProcess {
  return spawn(command, args, {
    cwd: options.cwd,
    env,
    detached: true,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

export async function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const startedAt = performance.now();
  if (options.signal?.aborted) {
    return { ...emptyResult(), canceled: true };
  }
  checkCwd(options);
  // Task processes (those with an attempt log) run under the run's limits (process-limits.ts).
  const limits = options.logFile === undefined ? null : currentProcessLimits();
  const log =
    options.logFile === undefined
      ? undefined
      : cappedLog(openLog(options.file, options.logFile), limits?.logMaxBytes ?? null);
  let logBroken = false;
  const writeLog = (line: string): void => {
    if (log === undefined || logBroken) return;
    try {
      log.write(line);
    } catch {
      // A full disk must not crash the caller mid-run; the run's outcome still counts.
      logBroken = true;
    }
  };
  const [command, args] = withMemoryLimit(
    ...((options.shell
      ? ['/bin/sh', ['-c', options.file, 'sh', ...options.args]]
      : [options.file, options.args]) as [string, string[]]),
    limits?.memoryBytes ?? null,
  );

  const env = mergeEnv(options.env);
  // Output enters milestone here and only here: no log, event or reply ever sees a secret.
  const transform = createRedactor(env);
  // Task shell commands (the shell agent, verify, setup) start from a small long-lived spawner:
  // a fork of this large process costs it ~10 ms of CPU each (task-spawner.ts).
  const request = { argv: [command, ...args] as [string, ...string[]], cwd: options.cwd, env };
  const spawned: SpawnedTask | null =
    options.shell && options.logFile !== undefined && options.input === undefined && spawnerCanRun(request)
      ? taskSpawners.start(request, limits?.niceness ?? null)
      : null;
  const niceness = limits?.niceness ?? null;
  const direct = spawned === null ? withNiceness(command, args, niceness) : null;
  const child = spawned ?? spawnDirect(direct ?? [command, args], options, env);
  // A spawner is nice already (its tasks inherit it); a direct shell starts under `nice`; any
  // other direct spawn is lowered at once, before it could have started much (run-priority.ts).
  // Never both: `nice` adds its increment to whatever the process has by the time it runs.
  if (direct !== null && child.pid !== undefined && niceness !== null) {
    if (direct[0] === command) lowerPriorityOf(child.pid, niceness);
    // Its own session (detached): its share among sessions too.
    lowerSessionOf(child.pid, niceness);
  }

  return new Promise<ProcessResult>((resolve, reject) => {
    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    let timedOut = false;
    let canceled = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let stopping: Promise<void> | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const stdout = createLineSplitter(
      (line) => {
        writeLog(line);
        options.onStdoutLine?.(line.endsWith('\r') ? line.slice(0, -1) : line);
      },
      { transform },
    );
    const stderr = createLineSplitter(writeLog, { transform });

    /** A stop asked for before a spawner reported the task's pid: done once it has. */
    let stopWhenStarted = false;
    const stop = (): Promise<void> => {
      const pid = child.pid;
      if (pid === undefined) {
        if (spawned && !spawned.exited) stopWhenStarted = true;
        return Promise.resolve();
      }
      if (spawned) {
        stopping ??= stopMembers(
          (signal) => spawned.signal(signal),
          () => !spawned.exited || groupAlive(pid),
          graceMs,
        );
        return stopping;
      }
      stopping ??= stopGroup(pid, graceMs).then(() => {
        // A descendant that left the group (setsid) may hold our pipes open forever.
        timers.push(
          setTimeout(() => {
            (child as ChildProcess).stdout?.destroy();
            (child as ChildProcess).stderr?.destroy();
          }, PIPE_DRAIN_MS),
        );
      });
      return stopping;
    };
    const onAbort = (): void => {
      if (exit) return;
      canceled = true;
      void stop();
    };
    const cleanup = (): void => {
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      watch?.stop();
      log?.close();
    };
    let watch: ReturnType<typeof watchRunaway> | undefined;
    const startWatch = (): void => {
      if (!limits || child.pid === undefined || options.logFile === undefined || settled) return;
      watch = watchRunaway(child.pid, limits, (note) => {
        noteRunaway(options.logFile!, note);
        writeLog(`--- milestone: ${note.message} ---`);
        // The rest of a runaway's output is not logged: the note stays the log's last line.
        logBroken = true;
        void stop();
      });
    };
    // A spawner's task has its pid once the spawner reported it ('spawn').
    if (!spawned) startWatch();

    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined || settled) return;
      settled = true;
      cleanup();
      const code = error.code ?? 'UNKNOWN';
      const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : error.message;
      reject(
        new ProcessStartError(
          options.file,
          code,
          redactSecrets(`cannot start "${options.file}": ${why} (${code})`, env),
          {
            cause: error,
          },
        ),
      );
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) options.onStart?.(child.pid);
      if (spawned) startWatch();
      if (stopWhenStarted) void stop();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      watch?.output(chunk.byteLength);
      stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      watch?.output(chunk.byteLength);
      stderr.push(chunk);
    });
    if (child.stdin && options.input !== undefined) {
      // EPIPE when the program exits without reading its input: not our failure.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          if (exit) return;
          timedOut = true;
          void stop();
        }, options.timeoutMs),
      );
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      exit = { code, signal };
      // Background children left behind would hold the pipes open and keep the worktree busy.
      // A spawner's task shares the spawner's pipes: once its group is gone, a fence ends its output.
      void stop().then(() => spawned?.fence());
    });
    child.once('close', () => {
      void (stopping ?? Promise.resolve()).then(() => {
        if (settled) return;
        settled = true;
        stdout.end();
        stderr.end();
        cleanup();
        resolve({
          exitCode: exit?.code ?? null,
          signal: exit?.signal ?? null,
          timedOut,
          canceled,
          durationMs: Math.round(performance.now() - startedAt),
          stdoutTail: stdout.tail(),
          stderrTail: stderr.tail(),
        });
      });
    });
  });
}

/** The result of a process that never ran (canceled before its start, or could not start). */
export function emptyResult(): ProcessResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    canceled: false,
    durationMs: 0,
    stdoutTail: '',
    stderrTail: '',
  };
}

/** A missing cwd makes spawn report ENOENT for the program itself; say what is really missing. */
function checkCwd(options: RunProcessOptions): void {
  let isDir = false;
  try {
    isDir = statSync(options.cwd).isDirectory();
  } catch (error) {
    throw new ProcessStartError(
      options.file,
      'ENOENT',
      `cannot start "${options.file}": working directory ${options.cwd} does not exist`,
      { cause: error },
    );
  }
  if (!isDir) {
    throw new ProcessStartError(
      options.file,
      'ENOTDIR',
      `cannot start "${options.file}": ${options.cwd} is not a directory`,
    );
  }
}

function openLog(file: string, logFile: string): number {
  try {
    return openLogFile(logFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
    throw new ProcessStartError(
      file,
      code,
      `cannot start "${file}": cannot open log file ${logFile} (${code})`,
      {
        cause: error,
      },
    );
  }
}

/** `process.env` with the overrides applied; `undefined` removes a variable. */
export function mergeEnv(overrides: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
