import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gitExec } from './git-exec.js';
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
 * for it, so none of this process's adds can meet it; detached (the default, a run's end with
 * its pool closed) it returns at once. Never throws: tidying is no reason to fail.
 */
export function autoMaintenance(repoRoot: string, options: { detach?: boolean } = {}): Promise<void> {
  // One at a time per repository (git would refuse a second: its maintenance and gc locks).
  const key = resolve(repoRoot);
  const running = maintaining.get(key);
  if (running) return running;
  const done = maintain(repoRoot, options.detach ?? true).finally(() => maintaining.delete(key));
  maintaining.set(key, done);
  return done;
}

/** The maintenance running per repository (see {@link autoMaintenance}). */
const maintaining = new Map<string, Promise<void>>();

async function maintain(repoRoot: string, detach: boolean): Promise<void> {
  try {
    clearSlotGcLog(repoRoot);
  } catch {
    // A log that cannot be read or removed is git's to report, as before.
  }
  const run = () =>
    gitExec(repoRoot, [
      ...(detach ? [] : ['-c', 'gc.autoDetach=false', '-c', 'maintenance.autoDetach=false']),
      'maintenance',
      'run',
      '--auto',
      '--quiet',
    ]);
  await (detach ? run() : walkingAllHeads(repoRoot, run)).catch(() => undefined);
}
