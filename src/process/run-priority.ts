import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

// A run's work at a lower scheduling priority than the commands people type (config
// `limits.nice`). On two cores a concurrency-4 run keeps both busy; `milestone status` typed
// meanwhile then waited for a core as long as it computed. Nicer work yields the core to it.

/** The highest (least favoured) niceness there is. */
const NICEST = 19;

/** The niceness the program had before {@link lowerOwnPriority}; `undefined` while not lowered. */
let startedAt: number | undefined;

/** This process's niceness (0 where it cannot be read). */
export function ownNiceness(): number {
  try {
    return getPriority(0);
  } catch {
    return 0;
  }
}

/**
 * The niceness a run's work gets: `nice` more than the program had when it started (so a run
 * started under `nice -n 5` with `nice: 10` runs at 15), at most 19; `null` when `nice` is 0.
 */
export function runNiceness(nice: number): number | null {
  if (nice <= 0) return null;
  return Math.min(NICEST, (startedAt ?? ownNiceness()) + nice);
}

/**
 * Lowers this whole process to {@link runNiceness} (the CLI's `execute` does, before its run
 * starts), so that everything it starts inherits it: git, the task spawners, agents. Linux keeps
 * a niceness per thread and `setpriority` on the pid changes only the main thread, so each thread
 * in `/proc/self/task` is lowered (threads started later inherit from the one that starts them),
 * and so is each process it already started (the git shells of the checks before a run) and their
 * sessions ({@link lowerSessionOf}), and its own session where it leads it (started detached:
 * nothing of the user's is in it; a session led by the user's shell is left alone). Never
 * raises a priority. Returns the niceness now in force, or `null` when nothing changed (`nice`
 * 0, already that nice, or refused).
 */
export function lowerOwnPriority(nice: number): number | null {
  const target = runNiceness(nice);
  if (target === null) return null;
  const before = ownNiceness();
  if (before >= target) return null;
  startedAt ??= before;
  let threads: number[] = [0];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // No /proc (macOS): setpriority on the process changes every thread there.
  }
  let lowered = false;
  for (const thread of threads) {
    try {
      if (getPriority(thread) < target) setPriority(thread, target);
      lowered = true;
    } catch {
      // A thread that ended meanwhile.
    }
  }
  // A process that leads its own session (started detached: a run the dashboard started, a
  // `setsid milestone execute`) has nothing of the user's in it: the session goes too.
  try {
    if (sessionOf(process.pid) === process.pid) raiseSessionNiceness(process.pid, target);
  } catch {
    // No /proc.
  }
  // What it started before goes too: the long-lived git shells start the run's git.
  for (const child of childProcesses()) {
    lowerPriorityOf(child, target);
    lowerSessionOf(child, target);
  }
  return lowered ? target : null;
}

/** The processes whose parent is this one, from `/proc` (none where there is no `/proc`). */
function childProcesses(): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses; cut at the last ')'.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid)
        children.push(Number(pid));
    } catch {
      // Gone between readdir and read.
    }
  }
  return children;
}

/** coreutils' `nice`, where it is; `null` where it is not (looked up once). */
let niceProgram: string | null | undefined;

/**
 * `[command, args]` started at `niceness` from the very first instruction: wrapped in
 * `nice -n K`, which sets the niceness and execs the command (same pid, so the process group and
 * every signal are unchanged). Lowering a process after spawn() returns races it: a shell under
 * load had already forked its command, which kept the old niceness. Only for `command`s that
 * exist for sure (`/bin/sh`): `nice` would turn a missing program's ENOENT into an exit of 127.
 * Unchanged where the niceness is ours already or there is no `nice` (then
 * {@link lowerPriorityOf} after the start is what remains).
 */
export function withNiceness(command: string, args: string[], niceness: number | null): [string, string[]] {
  if (niceness === null || command !== '/bin/sh') return [command, args];
  const increment = niceness - ownNiceness();
  if (increment <= 0) return [command, args];
  niceProgram ??= ['/usr/bin/nice', '/bin/nice'].find((path) => existsSync(path)) ?? null;
  if (niceProgram === null) return [command, args];
  return [niceProgram, ['-n', String(increment), command, ...args]];
}

/**
 * Lowers process `pid` (a task process just started) to `niceness` unless it is already that
 * nice. Used where a task is not started by a process that is already nice (a direct spawn from a
 * program that kept its priority: the library API, tests). `false` when it could not (gone).
 */
export function lowerPriorityOf(pid: number, niceness: number): boolean {
  try {
    if (getPriority(pid) < niceness) setPriority(pid, niceness);
    return true;
  } catch {
    return false;
  }
}

/**
 * The niceness of the session (Linux's autogroup) of a process this one started in a session of
 * its own (`detached`, `setsid`: the task spawners, each task, the git shells), raised to
 * `niceness`. Where the kernel groups processes by session (`CONFIG_SCHED_AUTOGROUP`, on by
 * default in many distributions, and here), the CPU is first shared between sessions, each at
 * the weight of its autogroup's niceness (0 unless set), and a process's own niceness counts only
 * inside its session: a run's tasks and git shells, each a session, then took as much of a core
 * as the `milestone status` typed meanwhile, however nice they were. Only for a process that
 * leads a session other than ours (ours holds the user's shell); one that is not a leader yet is
 * looked at again. An unprivileged write is refused (`EAGAIN`) within 100 ms of any other such
 * write on the system: tried again too, a few times, 110 ms apart, never waited for. Nothing
 * where there are no autogroups, the process is gone or not ours.
 */
export function lowerSessionOf(pid: number, niceness: number, tries = 5): void {
  let leader: boolean;
  try {
    leader = sessionOf(pid) === pid;
    if (leader && pid === sessionOf(process.pid)) return;
  } catch {
    return; // Gone, or no /proc.
  }
  // Not (yet) a session leader: sh's spawner reports a task's pid before `setsid` ran in it.
  if (leader) raiseSessionNiceness(pid, niceness, tries);
  else if (tries > 1) setTimeout(() => lowerSessionOf(pid, niceness, tries - 1), 110).unref();
}

/**
 * Raises the niceness of the autogroup of session leader `pid` to `niceness` (never lowers it),
 * trying again on `EAGAIN` (see {@link lowerSessionOf}).
 */
function raiseSessionNiceness(pid: number, niceness: number, tries = 5): void {
  const file = `/proc/${pid}/autogroup`;
  try {
    // "/autogroup-123 nice 0"
    if (Number(readFileSync(file, 'latin1').split(' nice ')[1]) < niceness)
      writeFileSync(file, String(niceness));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN' && tries > 1)
      setTimeout(() => raiseSessionNiceness(pid, niceness, tries - 1), 110).unref();
  }
}

/** The session id of process `pid` (field 6 of `/proc/<pid>/stat`); throws where it is gone. */
function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

/**
 * The niceness a run gave this process ({@link lowerOwnPriority}), or `null` when it was not
 * lowered: what a session this process starts for the run's work (a git shell) should get.
 */
export function runSessionNiceness(): number | null {
  return startedAt === undefined ? null : ownNiceness();
}

/**
 * Puts a process this one started in a session of its own (`detached`: a git shell, a
 * long-lived git, the background removal of old slots, the closing git maintenance) at the run's
 * niceness among sessions too, when a run lowered this process ({@link runSessionNiceness});
 * its own niceness it inherits. Nothing outside a run, or without a pid (it never started).
 */
export function lowerRunSession(pid: number | undefined): void {
  const niceness = runSessionNiceness();
  if (niceness !== null && pid !== undefined) lowerSessionOf(pid, niceness);
}
