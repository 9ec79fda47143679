import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 25;
/** How long to wait for the kernel to remove a group after SIGKILL. */
const KILL_WAIT_MS = 2000;

/** Sends `signal` to every process of the group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: members exist but are not ours to signal; they still count as present.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether any live process remains in the group. On Linux, zombies are not counted: an
 * orphan's zombie lingers until PID 1 reaps it, which some container inits do slowly.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so cut at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/**
 * Stops a whole process group: SIGTERM, up to `graceMs` to exit, then SIGKILL. Resolves once
 * no live member remains (or the kernel did not finish removing them within a short wait).
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  await stopMembers(
    (signal) => signalGroup(pgid, signal),
    () => groupAlive(pgid),
    graceMs,
  );
}

/**
 * {@link stopGroup} over any way to signal and to tell liveness: SIGTERM, up to `graceMs`,
 * SIGKILL, then a short wait for the kernel (a task spawner's task, whose group may not exist
 * yet in the moment between its fork and its `setsid`, is signalled by pid then).
 */
export async function stopMembers(
  signal: (signal: NodeJS.Signals) => boolean,
  alive: () => boolean,
  graceMs: number,
): Promise<void> {
  if (!alive()) return;
  signal('SIGTERM');
  if (await waitGone(alive, graceMs)) return;
  signal('SIGKILL');
  await waitGone(alive, KILL_WAIT_MS);
}

async function waitGone(alive: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive()) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}
