import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAgeMs } from '../core/duration.js';
import { gitExec, removeWorktree } from '../git/git.js';
import { addingWorktree } from '../git/worktree-add-gate.js';
import { detachHeadFile, switchCleanWorktree } from '../git/worktree-switch.js';
import { unwatchWorktree, watchWorktree } from '../git/worktree-watch.js';
import { processesUsing } from '../process/path-users.js';
import { lowerRunSession } from '../process/run-priority.js';
import { serialQueue } from './merge-queue.js';
import { repoSlotsDir } from './naming.js';
import { checkLfs } from './slot-lfs.js';
import type { SlotRecord } from './slot-record.js';
import { lockSlot, readSlotRecord, slotLocked, unlockSlot, writeSlotRecord } from './slot-record.js';
import type { SlotPreparation } from './slot-setup.js';
import { prepareSlot, slotOwnPaths } from './slot-setup.js';
import { checkSlotSpace } from './slot-space.js';
import { initSubmodules } from './slot-submodules.js';
import type { WorktreeSetup } from './worktrees.js';

/** A slot handed to a task. */
export interface AcquiredSlot {
  path: string;
  /** The slot's number (`_slot-N`): `MILESTONE_SLOT`, for ports and database names. */
  slot: number;
  /** The slot existed before (this run or an earlier one) and was switched, not created. */
  reused: boolean;
  /** Creating or switching the worktree (checkout + clean), in ms. */
  checkoutMs: number;
  setup: SlotPreparation;
  /** Linked, copied and set-up paths: never part of the task's commit. */
  ownPaths: string[];
}

/** How the pool's slots are kept between runs (config `worktrees.keep` / `maxAge`). */
export interface SlotRetention {
  keep: number;
  maxAge: string;
}

interface Slot {
  path: string;
  slot: number;
  record: SlotRecord;
}

const SLOT_NAME = /^_slot-(\d+)$/;

/**
 * Worktrees reused across tasks, runs and milestones of one repository, one per running task
 * at a time. A fresh `git worktree add` checks out every file (seconds on a large repository);
 * switching a used one with `checkout --force` + `clean` rewrites only what differs (and one
 * whose last task committed everything, `read-tree -m -u`, stats only that), and a
 * slot prepared once (links, copies, setup) stays prepared until its setup key changes. Slots
 * live in `<worktrees>/<repo>-<hash>/_slots/_slot-N`, each with a `.json` record and, while a
 * run holds it, a `.lock` naming the process.
 */
export class WorktreePool {
  private readonly free: Slot[] = [];
  private readonly held = new Map<string, Slot>();
  /** Slots whose last task committed all its changes: no untracked file is left in them. */
  private readonly clean = new Set<string>();
  private readonly dir: string;
  /** Moves of conflicted tasks' worktrees, one at a time. */
  private readonly admin = serialQueue();
  /** Each slot's record as this run last wrote it, without `usedAt` (see `saveRecord`). */
  private readonly saved = new Map<string, string>();

  constructor(
    private readonly repoRoot: string,
    worktreeRoot: string,
    private readonly setup: WorktreeSetup & Partial<SlotRetention> & { minFreeBytes?: number },
    private readonly now: () => Date = () => new Date(),
  ) {
    this.dir = repoSlotsDir(worktreeRoot, repoRoot);
  }

  /**
   * A worktree checked out at `startPoint`, on `branch` (created or reset there) or detached
   * when `branch` is null, with untracked files removed (the slot's own paths kept), then
   * prepared: links, copies, and setup when the slot's key changed or its last setup failed.
   */
  async acquire(
    branch: string | null,
    startPoint: string,
    options: { logFile: string; signal: AbortSignal; timeoutMs: number; env: Record<string, string> },
  ): Promise<AcquiredSlot> {
    const started = performance.now();
    // Chosen synchronously: concurrent acquires never pick the same slot.
    let slot = this.free.pop();
    let reused = slot !== undefined;
    if (!slot) {
      const claimed = this.claimExisting();
      // Before anything of a new slot exists: a full disk must leave nothing half made.
      if (!claimed) {
        // For every new slot: a long-lived worker's pool sees git-lfs installed, or LFS added, since.
        await checkLfs(this.repoRoot, startPoint);
        await checkSlotSpace(this.repoRoot, this.dir, startPoint, this.setup.minFreeBytes ?? 0);
      }
      reused = claimed !== undefined;
      slot = claimed ?? this.claimNew();
      this.held.set(slot.path, slot);
    }
    try {
      return await this.prepare(slot, reused, branch, startPoint, options, started);
    } catch (error) {
      // A slot that could not be made or switched (git worktree add, checkout, a full disk) is
      // let go, so the pool stays usable: a later acquire checks it again (claimExisting) or
      // makes it anew under the same number; nothing of it stays held or locked.
      this.letGo(slot.path);
      throw error;
    }
  }

  /** `acquire` once the slot is chosen: made if new, switched to the task's branch, prepared. */
  private async prepare(
    slot: Slot,
    reused: boolean,
    branch: string | null,
    startPoint: string,
    options: { logFile: string; signal: AbortSignal; timeoutMs: number; env: Record<string, string> },
    started: number,
  ): Promise<AcquiredSlot> {
    if (!reused) {
      mkdirSync(this.dir, { recursive: true });
      rmSync(slot.path, { recursive: true, force: true });
      // -f: a record left by a slot deleted without git's knowledge is overwritten, no prune
      // needed (a prune could drop the record of a worktree another run is adding).
      await addingWorktree(this.repoRoot, () =>
        gitExec(this.repoRoot, ['worktree', 'add', '-f', '--detach', '--quiet', slot.path, startPoint]),
      );
      // Just checked out at the start point, nothing untracked: the switch only sets the branch.
      this.clean.add(slot.path);
    }
    const { path } = slot;
    // Its task's capture looks only at what changed since the last one (worktree-watch.ts).
    watchWorktree(path);
    const own = slotOwnPaths(this.setup, slot.record);
    // A slot whose last task committed everything (this run) matches its HEAD: only the files
    // that differ from the start point are rewritten (switchCleanWorktree), no full checkout.
    const switched =
      branch !== null && this.clean.has(path) && (await switchCleanWorktree(path, branch, startPoint));
    if (!switched) {
      const target = branch === null ? ['--detach', startPoint] : ['--no-track', '-B', branch, startPoint];
      // A slot left by a killed run may still have this branch checked out; it lets go at close.
      await gitExec(path, ['checkout', '--quiet', '--force', '--ignore-other-worktrees', ...target]);
      // -ff: also nested repositories; ignored files and the slot's own paths (links, copies,
      // what setup made) are kept. A slot whose last task committed everything has nothing to clean.
      if (!this.clean.has(path))
        await gitExec(path, ['clean', '-ffdq', ...own.flatMap((p) => ['-e', `/${p}`])]);
    }
    this.clean.delete(path);
    const submodules = await initSubmodules(path, options.signal);
    const checkoutMs = Math.round(performance.now() - started);
    const setup = submodules
      ? { error: submodules, setupRan: false, durationMs: 0 }
      : await prepareSlot(this.repoRoot, path, this.setup, slot.record, {
          ...options,
          env: { ...options.env, MILESTONE_SLOT: String(slot.slot), MILESTONE_WORKTREE: path },
        });
    slot.record.usedAt = this.now().toISOString();
    this.saveRecord(slot);
    return {
      path,
      slot: slot.slot,
      reused,
      checkoutMs,
      setup,
      ownPaths: slotOwnPaths(this.setup, slot.record),
    };
  }

  /** Drops a slot this run could not prepare: no longer held, free or clean, and unlocked. */
  private letGo(path: string): void {
    this.held.delete(path);
    this.clean.delete(path);
    this.saved.delete(path);
    unwatchWorktree(path);
    unlockSlot(path);
  }

  /**
   * Gives a slot back. With `detach`, its branch is let go at once (a failed attempt's branch
   * may be deleted, and a retry may check it out in another slot); landed branches are let go
   * when the run closes the pool, and deleted in one batch.
   */
  async release(path: string, options: { detach?: boolean; committed?: boolean } = {}): Promise<void> {
    if (options.detach) await detachHead(path);
    if (options.committed) this.clean.add(path);
    const slot = this.held.get(path);
    if (slot) this.free.push(slot);
  }

  /**
   * Takes a slot out of the pool and moves it to `to` (a conflicted or failed task's worktree,
   * kept for the person who looks at it).
   */
  async retire(path: string, to: string): Promise<void> {
    this.held.delete(path);
    unwatchWorktree(path);
    await this.admin.run(async () => {
      await removeWorktree(this.repoRoot, to);
      rmSync(to, { recursive: true, force: true });
      mkdirSync(dirname(to), { recursive: true });
      await gitExec(this.repoRoot, ['worktree', 'move', path, to]);
    });
    rmSync(`${path}.json`, { force: true });
    unlockSlot(path);
  }

  /**
   * Takes a worktree kept outside the pool (an interrupted task's, for resuming its session)
   * into the pool as a new slot, as it is: no checkout, no clean, no setup.
   */
  async adopt(path: string): Promise<AcquiredSlot> {
    const slot = this.claimNew();
    this.held.set(slot.path, slot);
    await this.admin.run(async () => {
      await removeWorktree(this.repoRoot, slot.path);
      rmSync(slot.path, { recursive: true, force: true });
      await gitExec(this.repoRoot, ['worktree', 'move', path, slot.path]);
    });
    slot.record.usedAt = this.now().toISOString();
    writeSlotRecord(slot.path, slot.record);
    watchWorktree(slot.path);
    return {
      path: slot.path,
      slot: slot.slot,
      reused: true,
      checkoutMs: 0,
      setup: { error: null, setupRan: false, durationMs: 0 },
      ownPaths: slotOwnPaths(this.setup, slot.record),
    };
  }

  /**
   * End of a run: every slot lets go of its branch (so landed task branches can be deleted)
   * and is unlocked for the next run; slots beyond `keep` or unused for `maxAge` are removed
   * in the background (renamed away at once, deleted by a detached process).
   */
  async close(): Promise<{ kept: number; removing: string[] }> {
    const slots = [...this.held.values()];
    // Slots a killed run left on a task branch (unlocked, not claimed by this run) let go too,
    // so every landed branch can be deleted.
    // Not one git has locked: an add still making it writes its HEAD at the end.
    const idle = listSlots(this.dir).filter(
      (s) => !this.held.has(s.path) && !slotLocked(s.path) && !lockedByGit(s.path),
    );
    await Promise.all([...slots, ...idle].map((s) => detachHead(s.path)));
    for (const s of slots) {
      unwatchWorktree(s.path);
      if (existsSync(s.path)) writeSlotRecord(s.path, s.record);
      unlockSlot(s.path);
    }
    this.held.clear();
    this.free.length = 0;
    const removing = pruneSlots(this.repoRoot, this.dir, {
      keep: this.setup.keep ?? 8,
      maxAgeMs: parseAgeMs(this.setup.maxAge ?? '7d') ?? 7 * 86_400_000,
      now: this.now(),
    });
    return { kept: listSlots(this.dir).length, removing };
  }

  /**
   * Writes a slot's record when its preparation changed or this run has not written it yet:
   * an atomic write (with fsync) per task was a visible part of a no-op task's cost. `usedAt`
   * alone is written again at `close`.
   */
  private saveRecord(slot: Slot): void {
    const { usedAt: _usedAt, ...prepared } = slot.record;
    const text = JSON.stringify(prepared);
    if (this.saved.get(slot.path) === text) return;
    writeSlotRecord(slot.path, slot.record);
    this.saved.set(slot.path, text);
  }

  /** An unlocked slot left by an earlier run, locked for this one; broken ones are removed. */
  private claimExisting(): Slot | undefined {
    for (const { path, slot } of listSlots(this.dir)) {
      if (this.held.has(path) || !lockSlot(path)) continue;
      if (validWorktree(path)) {
        removeStaleGitLocks(path);
        return { path, slot, record: readSlotRecord(path, this.now()) };
      }
      unlockSlot(path);
    }
    return undefined;
  }

  /** The lowest free slot number, locked; its folder is (re)created by the caller. */
  private claimNew(): Slot {
    for (let n = 1; ; n++) {
      const path = join(this.dir, `_slot-${n}`);
      if (this.held.has(path) || (existsSync(path) && (slotLocked(path) || lockedByGit(path)))) continue;
      mkdirSync(this.dir, { recursive: true });
      if (!lockSlot(path)) continue;
      rmSync(`${path}.json`, { force: true });
      return { path, slot: n, record: readSlotRecord(path, this.now()) };
    }
  }
}

/**
 * Lets a slot's HEAD go of its branch, pointing at the same commit: the HEAD file rewritten here
 * when it names a branch whose commit git's files tell (no process), else `update-ref
 * --no-deref`, which only rewrites the worktree's HEAD file; `checkout --detach` would stat
 * every file (a second per slot on a 20,000-file checkout).
 */
async function detachHead(path: string): Promise<void> {
  if (await detachHeadFile(path)) return;
  await gitExec(path, ['update-ref', '--no-deref', 'HEAD', 'HEAD'], { allowExitCodes: [1, 128] });
}

/** The slots on disk, by number. */
export function listSlots(dir: string): Array<{ path: string; slot: number }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, match: SLOT_NAME.exec(name) }))
    .filter((e) => e.match !== null)
    .map((e) => ({ path: join(dir, e.name), slot: Number(e.match![1]) }))
    .sort((a, b) => a.slot - b.slot);
}

/**
 * A folder git still knows as a worktree: its `.git` file names an admin folder that exists, and
 * git has not locked it (see `lockedByGit`).
 */
function validWorktree(path: string): boolean {
  const admin = adminFolder(path);
  return admin !== undefined && existsSync(admin) && !existsSync(join(admin, 'locked'));
}

/**
 * The slot's worktree is locked in git: a `git worktree add` is still making it (git locks the
 * new worktree until it is checked out; the git of a run killed meanwhile goes on), or a person
 * ran `git worktree lock`. Neither is taken: a checkout or a new add there would race the add.
 */
function lockedByGit(path: string): boolean {
  const admin = adminFolder(path);
  return admin !== undefined && existsSync(join(admin, 'locked'));
}

/**
 * Removes the lock files (`index.lock`, `HEAD.lock`, ...) in the admin folder of a slot this run
 * has just locked. No live process uses the slot (its lock was free or its holder dead), so such a
 * lock, unless a live process holds it open, was left by a coordinator killed (`kill -9`) between creating it and renaming it over the
 * file (milestone writes a slot's index and HEAD as git does, `src/git/index-write.ts`,
 * `worktree-switch.ts`); left there, every later checkout in the slot failed, run after run.
 */
function removeStaleGitLocks(path: string): void {
  const admin = adminFolder(path);
  const locks = gitLockFiles(admin);
  // One a live process holds open is not stale: a detached `git gc` of an earlier run's end
  // expiring this worktree's reflog holds its `HEAD.lock` a moment (`src/git/maintenance.ts`);
  // removed, that git's unlock would have removed this run's own `HEAD.lock` later.
  // So is one of a git a person runs in the slot (its current folder there).
  if (locks.length === 0 || processesUsing([path, admin!]).length > 0) return;
  for (const lock of locks) rmSync(lock, { force: true });
}

/** The admin folder a worktree's `.git` file names (`.git/worktrees/<name>`), if any. */
function adminFolder(path: string): string | undefined {
  try {
    return /^gitdir: (.+)$/m.exec(readFileSync(join(path, '.git'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Removes unlocked slots beyond `keep` (most recently used first are kept) or unused for longer
 * than `maxAgeMs`, except one a live process works in; `keep: 0` removes every other unlocked slot. Returns the removed paths. A slot git
 * has locked (a `git worktree add` still making it, a person's `git worktree lock`) is no
 * candidate, as for taking one: renaming it away would pull the checkout from under the add.
 */
export function pruneSlots(
  repoRoot: string,
  dir: string,
  rules: { keep: number; maxAgeMs: number; now: Date; background?: boolean },
): string[] {
  const slots = listSlots(dir)
    .filter((s) => !slotLocked(s.path) && !lockedByGit(s.path))
    .map((s) => ({ ...s, usedAt: Date.parse(readSlotRecord(s.path, new Date(0)).usedAt) }))
    .sort((a, b) => b.usedAt - a.usedAt);
  const doomed = slots.filter((s, i) => i >= rules.keep || rules.now.getTime() - s.usedAt > rules.maxAgeMs);
  const removed: string[] = [];
  for (const s of doomed) {
    // One a live process works in (a person's shell or git there) stays, as `clean` keeps it.
    const admin = adminFolder(s.path);
    if (processesUsing(admin === undefined ? [s.path] : [s.path, admin]).length) continue;
    if (takeAway(repoRoot, dir, s.path, rules.background !== false)) removed.push(s.path);
  }
  return removed;
}

/**
 * Removes one slot no run holds: locked while it is renamed away (another run must not claim a
 * slot that is going away), then deleted, in the background or at once. False when a run took
 * it meanwhile, git has locked it since, or it could not be renamed.
 */
function takeAway(repoRoot: string, dir: string, path: string, background: boolean): boolean {
  if (!lockSlot(path)) return false;
  // Asked again under our lock: an add may have started on it since it was listed.
  if (lockedByGit(path)) {
    unlockSlot(path);
    return false;
  }
  const trash = join(dir, `_trash-${randomBytes(6).toString('hex')}`);
  try {
    renameSync(path, trash);
  } catch {
    unlockSlot(path);
    return false;
  }
  rmSync(`${path}.json`, { force: true });
  unlockSlot(path);
  if (background) removeInBackground(repoRoot, trash);
  else rmSync(trash, { recursive: true, force: true });
  return true;
}

/**
 * Deletes a renamed-away slot and drops git's record of it in a detached process, so no run
 * waits for a large checkout to be deleted. It is the run's work: at the run's niceness (which it
 * inherits) in a session at that niceness too (`lowerRunSession`), as the run's other sessions.
 */
export function removeInBackground(repoRoot: string, path: string): void {
  const child = spawn('/bin/sh', ['-c', 'rm -rf -- "$1"; git -C "$2" worktree prune', 'rm', path, repoRoot], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => undefined);
  lowerRunSession(child.pid);
  child.unref();
}

/** The task a slot last ran, as the store tells (`worktree` outcomes), and whether it was cut short. */
export interface SlotTask {
  milestoneId: string;
  taskId: string;
  /** Its status now. */
  status: string;
  /**
   * Why its uncommitted changes may go with the slot (its run stopped mid-attempt and the next
   * `execute` runs it again from the start; its milestone was cancelled), or null: they are kept.
   */
  disposable: string | null;
}

/** What `milestone clean` did (or, with `dryRun`, would do) with one slot. */
export type SlotCleaning =
  | {
      path: string;
      removed: true;
      /** Git lock files no live process held, gone with the slot. */
      staleLocks: string[];
      /** Uncommitted changes dropped with it (an interrupted task's, which runs again; a cancelled one's). */
      dropped: string[];
      task: SlotTask | undefined;
    }
  | { path: string; removed: false; why: string };

/** How many changed paths a message names before "and N more". */
const NAMED = 5;

export function namePaths(paths: readonly string[]): string {
  const named = paths.slice(0, NAMED).join(', ');
  return paths.length > NAMED ? `${named} and ${paths.length - NAMED} more` : named;
}

/**
 * `milestone clean`: removes every slot nothing holds, and says why it keeps the others. Kept:
 * a slot whose `.lock` a live run holds (`holders`: the live leases' pids, to name the
 * milestone), one git has locked (`git worktree add` making it, `git worktree lock`), one a live
 * process works in (a git holding its `index.lock`, a task, a shell: `processesUsing`), and one
 * with uncommitted changes that are not an interrupted task's (a failed task's, or edits no task
 * of the store made: a person's). An interrupted task's changes go with its slot, named: the
 * next `execute` runs that task again from the start anyway. Lock files nothing holds (left by a
 * killed git or coordinator) go with the slot and are named. With `dryRun`, only says.
 */
export async function cleanSlots(
  repoRoot: string,
  worktreeRoot: string,
  options: {
    dryRun: boolean;
    holders: ReadonlyMap<number, string>;
    lastTask: (slot: number) => SlotTask | undefined;
    /** Process groups clean stops (orphaned agents): no users of a slot (the dry run's too). */
    stopping?: ReadonlySet<number>;
  },
): Promise<SlotCleaning[]> {
  const dir = repoSlotsDir(worktreeRoot, repoRoot);
  const results: SlotCleaning[] = [];
  for (const { path, slot } of listSlots(dir)) {
    const keep = (why: string) => results.push({ path, removed: false, why });
    const admin = adminFolder(path);
    const locks = gitLockFiles(admin);
    const holder = slotHolder(path);
    if (holder !== null) {
      const run = options.holders.get(holder.pid);
      const whose = run ? `the run of milestone ${run}` : 'a run';
      keep(
        `held by ${whose} (pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}): lock ${path}.lock`,
      );
      continue;
    }
    if (lockedByGit(path)) {
      const reason = readText(join(admin!, 'locked'));
      keep(
        `git has locked it (${reason ? `"${reason}"` : 'no reason given'}: a \`git worktree add\` still making it, or \`git worktree lock\`): lock ${join(admin!, 'locked')}; \`git worktree unlock ${path}\` lets it go`,
      );
      continue;
    }
    const users = processesUsing(admin === undefined ? [path] : [path, admin]).filter(
      (u) => !options.stopping?.has(u.group),
    );
    if (users.length) {
      const who = users.map((u) => `${u.command} (pid ${u.pid})`).join(', ');
      keep(`in use by ${who}${locks.length ? `, holding ${locks.join(', ')}` : ''}`);
      continue;
    }
    const changes = existsSync(path) ? await uncommitted(path) : [];
    const task = options.lastTask(slot);
    if (changes.length && !task?.disposable) {
      const of = task ? ` of ${task.milestoneId}/${task.taskId} (${task.status})` : '';
      keep(
        `uncommitted changes${of}: ${namePaths(changes)}; commit or discard them (\`git -C ${path} status\`), then run \`milestone clean\` again`,
      );
      continue;
    }
    // A dead run's `.lock` (a `kill -9`): stale, taken over and gone with the slot.
    const staleLocks = existsSync(`${path}.lock`) ? [`${path}.lock`, ...locks] : locks;
    if (!options.dryRun && !takeAway(repoRoot, dir, path, false)) {
      keep('a run or git took it while clean looked at it');
      continue;
    }
    results.push({
      path,
      removed: true,
      staleLocks,
      dropped: changes,
      task: changes.length ? task : undefined,
    });
  }
  // A person waits for clean: removed at once, so `git worktree list` is clean when it returns.
  if (!options.dryRun) await gitExec(repoRoot, ['worktree', 'prune']);
  return results;
}

/** The live holder of a slot's `.lock` (this host's dead ones are stale), or null. */
function slotHolder(path: string): { pid: number; host: string } | null {
  if (!slotLocked(path)) return null;
  try {
    const holder = JSON.parse(readFileSync(`${path}.lock`, 'utf8')) as { pid?: number; host?: string };
    return { pid: holder.pid ?? 0, host: holder.host ?? '?' };
  } catch {
    return null;
  }
}

/** Git's lock files (`index.lock`, `HEAD.lock`, ...) in a worktree's admin folder. */
function gitLockFiles(admin: string | undefined): string[] {
  if (admin === undefined) return [];
  try {
    return readdirSync(admin)
      .filter((name) => name.endsWith('.lock'))
      .map((name) => join(admin, name));
  } catch {
    return [];
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * A worktree's uncommitted changes (tracked files changed, untracked files not ignored), as
 * paths; an untracked symbolic link is left out (a slot's `worktrees.link`, never a task's work).
 * A worktree git cannot read has none it could lose.
 */
async function uncommitted(path: string): Promise<string[]> {
  // No optional locks: a look writes no index (and takes no index.lock) in a slot it may keep.
  const { stdout, exitCode } = await gitExec(
    path,
    ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--no-renames'],
    {
      allowExitCodes: [128],
    },
  );
  if (exitCode !== 0) return [];
  return stdout
    .split('\0')
    .filter(Boolean)
    .flatMap((entry) => {
      const file = entry.slice(3);
      if (entry.startsWith('??')) {
        try {
          if (lstatSync(join(path, file)).isSymbolicLink()) return [];
        } catch {
          return [];
        }
      }
      return [file];
    });
}
