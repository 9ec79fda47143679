import type { FSWatcher } from 'node:fs';
import { lstatSync, readFileSync, watch } from 'node:fs';
import type { IgnoreRules } from './ignore-rules.js';
import type { IndexSnapshot } from './index-file.js';
import { type IndexEntry, lowerBound } from './index-write.js';
import { worktreePath } from './worktree-files.js';

/** Above this many watched folders a slot is not watched: every capture scans it whole. */
export const MAX_WATCHED_FOLDERS = 2_000;

/**
 * Events delivered (to any watch of this process's event loop) since which a capture scans its
 * worktree whole: the kernel drops events, without a word reaching Node, when its queue
 * (`max_queued_events` per inotify instance, one per event loop) overflows, which takes that
 * many events queued at once, all of them delivered afterwards. Half the queue, at most 8,192;
 * `MILESTONE_WATCH_EVENT_LIMIT` sets it (tests).
 */
function eventLimit(): number {
  const forced = Number(process.env.MILESTONE_WATCH_EVENT_LIMIT);
  if (Number.isInteger(forced) && forced > 0) return forced;
  queueLimit ??= (() => {
    try {
      const queued = Number(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'latin1').trim());
      return Number.isInteger(queued) && queued > 0 ? Math.min(Math.floor(queued / 2), 8_192) : 8_192;
    } catch {
      return 8_192;
    }
  })();
  return queueLimit;
}
let queueLimit: number | undefined;

/** Events delivered to every watch of this module since the process started. */
let delivered = 0;

/** What a capture must look at: everything, or the names that changed since the last scan began. */
export type WatchPlan =
  | { full: string }
  | {
      full: null;
      /** Paths (latin1 strings of their bytes) to look at: a file, a folder (all below it), or a name now gone. */
      names: Set<string>;
    };

/**
 * The changes to one slot worktree between two captures, as the kernel reports them (inotify,
 * through `fs.watch`): one non-recursive watch per folder that matters to `git add -A` (every
 * folder the index has files in, and every untracked folder a capture walked, i.e. not excluded),
 * kept across the slot's tasks. Every name that had an event (created, deleted, renamed, written,
 * attributes changed) is recorded; a capture then looks only at those ({@link begin}), unless it
 * cannot trust them, and scans the worktree whole. See docs/architecture.md ("Capturing a task's
 * work") for the rules and their limits.
 */
export class WorktreeWatch {
  /** Watched folders (`''` the root, `a/b/` below) and their watchers. */
  private readonly watchers = new Map<string, FSWatcher>();
  /** Names with an event since the last scan began. */
  private dirty = new Set<string>();
  /** Why the next capture must scan whole (null: the names can be trusted). */
  private needsFull: string | null = 'first capture';
  /** Never watched again (too many folders, no inotify): every capture scans whole. */
  private disabled = false;
  /** `delivered` when the last scan began. */
  private deliveredAtScan = 0;
  /** The root folder's inode when it was first watched: a replaced root is a new worktree. */
  private rootIno: bigint | null = null;
  /** The exclude files' stat data and the slot's own paths at the last scan: a change scans whole. */
  private context: string | null = null;
  /** The index's entries as the last scan left them, to find entries changed without a file event. */
  private baseline: readonly IndexEntry[] | null = null;
  /** Folders armed since the list was last reset (see {@link begin}). */
  private armed: string[] = [];
  /** The exclude rules as the last scans read them (every walked folder's `.gitignore`). */
  rules: IgnoreRules | null = null;

  constructor(private readonly worktree: string) {}

  /** How many folders are watched (tests). */
  get watchedFolders(): number {
    return this.watchers.size;
  }

  /**
   * Starts a capture: the names to look at, or why to scan whole. Takes (and clears) the names
   * recorded so far: events from now on count for the next capture. `index` is the index as the
   * capture read it; `context` names what else decides what is excluded or skipped.
   */
  begin(index: IndexSnapshot, context: string): WatchPlan {
    const names = this.dirty;
    this.dirty = new Set();
    this.armed = [];
    const since = delivered - this.deliveredAtScan;
    this.deliveredAtScan = delivered;
    const full = this.fullReason(names, since, context);
    this.context = context;
    const baseline = this.baseline;
    this.baseline = null;
    if (full) {
      this.closeAll();
      this.rules = null;
      if (!this.disabled) this.armIndexFolders(index, 0, index.paths.length);
      return { full };
    }
    // Entries the index changed without an event (whoever rewrote it): looked at too.
    changedEntries(baseline!, index, names);
    for (const name of [...names]) {
      // A watched folder that was deleted, renamed or replaced: its watches (and those below) are
      // stale; watched again before its files are read.
      if (this.watchers.has(`${name}/`)) this.closeUnder(`${name}/`);
    }
    // Folders the index has files in that are not watched (new, or closed above): watched now,
    // and looked into whole (nothing told of their changes until now).
    for (const name of names) {
      const slash = name.lastIndexOf('/');
      if (slash >= 0 && !this.watchers.has(name.slice(0, slash + 1))) this.armAbove(name);
      const [from, to] = entriesUnder(index, `${name}/`);
      if (from < to) this.armIndexFolders(index, from, to);
    }
    if (this.disabled) return { full: 'watch' };
    for (const folder of this.armed) if (folder !== '') names.add(folder.slice(0, -1));
    return { full: null, names };
  }

  /** The capture ended with the index holding `entries`: the baseline of the next one. */
  end(entries: readonly IndexEntry[], rules: IgnoreRules): void {
    if (this.disabled) return;
    this.baseline = entries;
    this.rules = rules;
  }

  /** The capture was left to git (or failed): the next one scans whole. */
  abandon(): void {
    this.needsFull = 'abandoned';
    this.baseline = null;
  }

  /**
   * Makes sure `folder` (`''` or `a/b/`) is watched, before its names are read; false when the
   * slot cannot be watched (the capture goes on: it read everything it needed, the next scans whole).
   */
  arm(folder: string): boolean {
    if (this.disabled) return false;
    if (this.watchers.has(folder)) return true;
    if (this.watchers.size >= MAX_WATCHED_FOLDERS) {
      this.disable('too many folders');
      return false;
    }
    // A name that is not a folder (gone, a file, a symlink: fs.watch would follow it out of the
    // worktree) has nothing to watch: its folder's watch tells when that changes.
    if (folder !== '' && !isFolder(worktreePath(this.worktree, folder.slice(0, -1)))) return true;
    let watcher: FSWatcher;
    try {
      watcher = watch(
        worktreePath(this.worktree, folder.slice(0, -1)),
        { persistent: false, encoding: 'buffer' },
        (_event, name) => {
          delivered += 1;
          if (this.watchers.get(folder) !== watcher) return;
          // Scanned whole next time anyway: no names kept (nor memory grown) meanwhile.
          if (this.needsFull !== null) return;
          if (name === null || name.length === 0) this.needsFull = 'unnamed event';
          else if (this.dirty.size >= eventLimit()) {
            this.needsFull = 'many changes';
            this.dirty.clear();
          } else this.dirty.add(`${folder}${name.toString('latin1')}`);
        },
      );
    } catch (error) {
      // Gone since: as above.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return true;
      // ENOSPC (out of watches), EACCES: scanned whole from now on.
      this.disable('watch failed');
      return false;
    }
    watcher.on('error', () => {
      if (this.watchers.get(folder) === watcher) this.needsFull ??= 'watch error';
    });
    this.watchers.set(folder, watcher);
    this.armed.push(folder);
    if (folder === '') this.rootIno = inode(this.worktree);
    return true;
  }

  /** Drops what the names told: the capture scans whole after all (a folder its rules never saw). */
  restartFull(index: IndexSnapshot): void {
    this.closeAll();
    this.rules = null;
    this.armIndexFolders(index, 0, index.paths.length);
  }

  /** Stops watching (the slot is removed, or the run ends). */
  close(): void {
    this.closeAll();
    this.disabled = true;
    this.baseline = null;
  }

  private fullReason(names: ReadonlySet<string>, since: number, context: string): string | null {
    if (this.disabled) return 'not watched';
    if (this.needsFull) {
      const reason = this.needsFull;
      this.needsFull = null;
      return reason;
    }
    if (this.baseline === null || this.rules === null) return 'no baseline';
    // Lost events are possible: as many as the kernel's queue holds were delivered since.
    if (since >= eventLimit()) return 'event overflow';
    if (this.rootIno === null || inode(this.worktree) !== this.rootIno) return 'root replaced';
    if (context !== this.context) return 'excludes';
    for (const name of names) {
      const base = name.slice(name.lastIndexOf('/') + 1);
      // A changed exclude file changes what every folder holds untracked; a `.gitattributes` or a
      // nested repository is git's to handle (the whole scan finds them and falls back).
      if (base === '.gitignore' || base === '.gitattributes') return base;
      if (base === '.git' && name !== '.git') return 'nested repository';
      if (name.includes('\n') || name.includes('\\')) return 'path';
    }
    return null;
  }

  /** Watches every folder holding entries `from`..`to` of the index (sorted: each folder once, in a run). */
  private armIndexFolders(index: IndexSnapshot, from: number, to: number): void {
    if (!this.arm('')) return;
    let last = '';
    for (let i = from; i < to; i++) {
      const path = index.paths[i]!;
      const slash = path.lastIndexOf('/');
      if (slash < 0) continue;
      const folder = path.slice(0, slash + 1);
      if (folder === last) continue;
      last = folder;
      if (!this.armAbove(path)) return;
    }
  }

  /** Watches every folder above `path` (git lists files, not folders), from the root down. */
  private armAbove(path: string): boolean {
    if (!this.arm('')) return false;
    for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1))
      if (!this.arm(path.slice(0, at + 1))) return false;
    return true;
  }

  private closeUnder(prefix: string): void {
    for (const [folder, watcher] of this.watchers)
      if (folder.startsWith(prefix)) {
        this.watchers.delete(folder);
        watcher.close();
      }
  }

  private closeAll(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    this.rootIno = null;
  }

  private disable(_why: string): void {
    this.closeAll();
    this.disabled = true;
    this.baseline = null;
  }
}

/**
 * Adds to `names` every path whose entry differs between `baseline` (the entries the last
 * capture left) and `index` (as read now): added, removed, or another mode, id or stat data.
 * Both are sorted by path; the entries' bytes are compared in place.
 */
function changedEntries(baseline: readonly IndexEntry[], index: IndexSnapshot, names: Set<string>): void {
  const { paths, modes, oidAt, data, hashBytes } = index;
  let i = 0;
  let j = 0;
  while (i < baseline.length || j < paths.length) {
    const old = baseline[i];
    const path = paths[j];
    if (old !== undefined && path !== undefined && old.path === path) {
      const at = oidAt[j]!;
      if (
        old.mode !== modes[j] ||
        data.compare(old.oid, 0, hashBytes, at, at + hashBytes) !== 0 ||
        data.compare(old.stat, 0, 40, at - 40, at) !== 0
      )
        names.add(path);
      i++;
      j++;
    } else if (path === undefined || (old !== undefined && old.path < path)) {
      names.add(old!.path);
      i++;
    } else {
      names.add(path);
      j++;
    }
  }
}

/** The range of the index's sorted paths that start with `prefix` (a folder with its `/`). */
export function entriesUnder(index: IndexSnapshot, prefix: string): [number, number] {
  // '0' follows '/' in byte order: every path below the folder sorts before `${folder}0`.
  return [lowerBound(index.paths, prefix), lowerBound(index.paths, `${prefix.slice(0, -1)}0`)];
}

function isFolder(path: Buffer): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function inode(path: string): bigint | null {
  try {
    return lstatSync(path, { bigint: true }).ino;
  } catch {
    return null;
  }
}

/** The watches of slot worktrees this process captures (registered by the pool that holds them). */
const watches = new Map<string, WorktreeWatch>();

/**
 * Whether captures watch worktrees here: Linux (inotify), unless `MILESTONE_TASK_CAPTURE` is
 * `scan` (every capture scans whole) or `git` (no capture in this process).
 */
function watching(): boolean {
  const mode = process.env.MILESTONE_TASK_CAPTURE;
  return process.platform === 'linux' && mode !== 'scan' && mode !== 'git';
}

/**
 * Lets captures of `worktree` (a pool's slot) watch it from its next capture on (that one scans
 * whole and arms the watches). Idempotent.
 */
export function watchWorktree(worktree: string): void {
  if (!watching() || watches.has(worktree)) return;
  watches.set(worktree, new WorktreeWatch(worktree));
}

/** Stops watching `worktree` (its slot is removed or moved, or the run ends). */
export function unwatchWorktree(worktree: string): void {
  watches.get(worktree)?.close();
  watches.delete(worktree);
}

/** The watch of a registered worktree, or null (not a slot, or watching is off). */
export function worktreeWatch(worktree: string): WorktreeWatch | null {
  if (!watching()) return null;
  return watches.get(worktree) ?? null;
}

/**
 * Lets the event loop deliver every event the kernel queued before now (the task's process has
 * exited): a poll phase reads the inotify queue until it is empty, and two `setImmediate` turns
 * contain one.
 */
export async function drainWatchEvents(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}
