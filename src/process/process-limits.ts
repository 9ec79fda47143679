import { AsyncLocalStorage } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { runNiceness } from './run-priority.js';

/**
 * Limits for the processes of a task (agent, verify, setup: those that write an attempt log).
 * `null` turns a limit off. Set for a run with {@link withProcessLimits}; every `runProcess`
 * with a `logFile` inside that call sees them, so the engine does not pass them through each
 * agent adapter.
 */
export interface ProcessLimits {
  /** An attempt log larger than this keeps its tail (about half the cap) and a note of the cut. */
  logMaxBytes: number | null;
  /** A process that prints more than this (stdout + stderr) is a runaway: its group is stopped. */
  outputMaxBytes: number | null;
  /** A process group with more live processes than this is a runaway (a fork loop): stopped. */
  maxProcesses: number | null;
  /** Data segment limit of each process (`ulimit -d`, RLIMIT_DATA); POSIX shells on Linux and macOS. */
  memoryBytes: number | null;
  /**
   * The niceness task processes run at (config `limits.nice` over the program's own, see
   * run-priority.ts); `null`: the caller's own.
   */
  niceness: number | null;
}

/** Why a process was stopped by a limit, kept per log file for the attempt to report. */
export interface RunawayNote {
  kind: 'output' | 'processes';
  message: string;
}

const MB = 1024 * 1024;

/** Defaults when a run sets none: 50 MB of log, 1 GB of output, 512 processes, no memory limit. */
export const DEFAULT_PROCESS_LIMITS: ProcessLimits = {
  logMaxBytes: 50 * MB,
  outputMaxBytes: 1024 * MB,
  maxProcesses: 512,
  memoryBytes: null,
  niceness: null,
};

interface LimitContext {
  limits: ProcessLimits;
  runaways: Map<string, RunawayNote>;
}

const context = new AsyncLocalStorage<LimitContext>();

/** Runs `fn` with `limits` applied to every task process it starts (directly or deeper). */
export function withProcessLimits<T>(limits: ProcessLimits, fn: () => T): T {
  return context.run({ limits, runaways: new Map() }, fn);
}

/** The limits in force here; outside {@link withProcessLimits}, the defaults. */
export function currentProcessLimits(): ProcessLimits {
  return context.getStore()?.limits ?? DEFAULT_PROCESS_LIMITS;
}

/** Records that the process writing `logFile` was stopped as a runaway. */
export function noteRunaway(logFile: string, note: RunawayNote): void {
  context.getStore()?.runaways.set(logFile, note);
}

/** The runaway note of `logFile`, removed once read (a retry writes another log). */
export function takeRunaway(logFile: string): RunawayNote | undefined {
  const store = context.getStore();
  const note = store?.runaways.get(logFile);
  store?.runaways.delete(logFile);
  return note;
}

/** Sizes in config are megabytes (fractions allowed, for tests); `null` stays off. */
export function limitsFromConfig(limits: {
  logMaxMb: number | null;
  outputMaxMb: number | null;
  maxProcesses: number | null;
  memoryMb: number | null;
  nice?: number;
}): ProcessLimits {
  const bytes = (mb: number | null): number | null => (mb === null ? null : Math.round(mb * MB));
  return {
    logMaxBytes: bytes(limits.logMaxMb),
    outputMaxBytes: bytes(limits.outputMaxMb),
    maxProcesses: limits.maxProcesses,
    memoryBytes: bytes(limits.memoryMb),
    niceness: runNiceness(limits.nice ?? 0),
  };
}

/** `12.5 MB`, `300 KB`: for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${Math.round((bytes / MB) * 10) / 10} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/**
 * The command to spawn under a memory limit: `/bin/sh -c 'ulimit -d KB && exec "$@"'` in front
 * of it. RLIMIT_DATA rather than `ulimit -v`: address-space limits stop Node (every coding
 * agent CLI) at start, because V8 reserves far more address space than it uses.
 */
export function withMemoryLimit(
  command: string,
  args: string[],
  memoryBytes: number | null,
): [string, string[]] {
  if (memoryBytes === null) return [command, args];
  const kb = Math.max(1, Math.floor(memoryBytes / 1024));
  return ['/bin/sh', ['-c', `ulimit -d ${kb} || exit 125; exec "$@"`, 'sh', command, ...args]];
}

/**
 * Live processes in group `pgid`, from `/proc` (Linux); `null` where there is no `/proc`, so
 * fork loops go undetected there (documented in docs/reliability.md).
 */
export function groupSize(pgid: number): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  let count = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp": comm may hold spaces and parentheses; cut at the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') count++;
    } catch {
      // Gone between readdir and read.
    }
  }
  return count;
}
