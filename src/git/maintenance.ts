import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { lowerRunSession } from '../process/run-priority.js';
import { gitEnv, gitExec } from './git-exec.js';
import { walkingAllHeads } from './worktree-add-gate.js';

/**
 * What a `git gc --auto` writes to `gc.log` when it walked the HEAD of one of our slots while a
 * `git worktree add` had it at forty zeros (`bad object worktrees/_slot-N/HEAD`). A detached gc
 * that failed leaves `gc.log`, and while it is there (a day, `gc.logExpiry`) every automatic gc
 * of the repository is skipped with "The last gc run reported the following": one moment's race
 * would turn the repository's tidying off for a day.
 */
const SLOT_HEAD = /worktrees\/_slot-\d+\/HEAD\b/;

/**
 * Removes the repository's `gc.log` when what it reports is a slot's HEAD being added (a race
 * with our pool, gone the moment after), never another failure: that one is the person's to see.
 * Returns whether it was removed.
 */
export function clearSlotGcLog(repoRoot: string): boolean {
  const gitDir = join(repoRoot, '.git');
  if (!existsSync(gitDir) || !statSync(gitDir).isDirectory()) return false;
  const log = join(gitDir, 'gc.log');
  let text: string;
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return false;
  }
  if (!SLOT_HEAD.test(text)) return false;
  rmSync(log, { force: true });
  return true;
}

/**
 * `git maintenance run --auto` for a repository whose task commits skip git's own (a run's end,
 * a worker's job): a `gc.log` our slots caused is removed first, so it does not hold the gc off.
 * `detach: false` runs the gc in this process's worktree-add gate (`walkingAllHeads`) and waits
 * for it, so none of this process's adds can meet it. Detached (the default, a run's end with
 * its pool closed) it returns at once and the maintenance runs on after the run (see
 * {@link startDetached}), its output appended to `log` when given. Never throws: tidying is no
 * reason to fail.
 */
export function autoMaintenance(
  repoRoot: string,
  options: { detach?: boolean; log?: string } = {},
): Promise<void> {
  // One at a time per repository (git would refuse a second: its maintenance and gc locks).
  const key = resolve(repoRoot);
  const running = maintaining.get(key);
  if (running) return running;
  const done = maintain(repoRoot, options.detach ?? true, options.log).finally(() => maintaining.delete(key));
  maintaining.set(key, done);
  return done;
}

/** The maintenance running per repository (see {@link autoMaintenance}). */
const maintaining = new Map<string, Promise<void>>();

async function maintain(repoRoot: string, detach: boolean, log: string | undefined): Promise<void> {
  try {
    clearSlotGcLog(repoRoot);
  } catch {
    // A log that cannot be read or removed is git's to report, as before.
  }
  if (detach) {
    startDetached(repoRoot, log);
    return;
  }
  const run = () =>
    gitExec(repoRoot, [
      '-c',
      'gc.autoDetach=false',
      '-c',
      'maintenance.autoDetach=false',
      'maintenance',
      'run',
      '--auto',
      '--quiet',
    ]);
  await walkingAllHeads(repoRoot, run).catch(() => undefined);
}

/** What the detached maintenance runs: a line before and after, git's own output between. */
const DETACHED_SCRIPT = [
  'printf -- "--- milestone: git maintenance run --auto in %s, started %s ---\\n" "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"',
  'git -C "$1" -c gc.autoDetach=false -c maintenance.autoDetach=false maintenance run --auto --quiet',
  'printf -- "--- milestone: exit %s at %s ---\\n" "$?" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"',
].join('; ');

/**
 * The run's closing maintenance, after the run: a session of its own started here (not git's
 * `gc.autoDetach`, whose daemon makes a session this process never sees), so it is the run's work
 * as the rest: at the run's niceness, which it inherits, and its session at that niceness too
 * (`lowerRunSession`; a session git made stayed at 0 beside the user's shell). Its output goes
 * to `log` (else nowhere): a failing gc leaves no `gc.log`, which turned git's automatic gc off
 * for a day. The locks it takes are git's usual ones, each for a moment and waited for by the
 * git that meets it (`packed-refs.lock` up to `core.packedRefsTimeout`, a ref's `.lock` up to
 * `core.filesRefLockTimeout`), `gc.pid` and `maintenance.lock` (which only another gc or
 * maintenance needs, and the next run's skips its own then), and a worktree's `HEAD.lock` while
 * it expires that worktree's reflog, which a run taking the slot over leaves alone while a live
 * process holds it (`worktree-pool.ts`).
 */
function startDetached(repoRoot: string, log: string | undefined): void {
  let fd: number | 'ignore' = 'ignore';
  try {
    if (log !== undefined) {
      mkdirSync(dirname(log), { recursive: true, mode: 0o700 });
      fd = openSync(log, 'a', 0o600);
    }
  } catch {
    fd = 'ignore';
  }
  try {
    const child = spawn('/bin/sh', ['-c', DETACHED_SCRIPT, 'maintenance', resolve(repoRoot)], {
      cwd: repoRoot,
      env: gitEnv(),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.on('error', () => undefined);
    lowerRunSession(child.pid);
    child.unref();
  } catch {
    // No shell: no maintenance, as git's own would have been skipped.
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}
