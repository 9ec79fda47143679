import type { BigIntStats, Dirent } from 'node:fs';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import type { BlobWriter } from './blob-writer.js';
import { gitDirOf } from './head.js';
import { excludeFiles, IgnoreRules } from './ignore-rules.js';
import { loadIndex } from './index-cache.js';
import type { IndexSnapshot } from './index-file.js';
import {
  type IndexEntry,
  IndexLock,
  type IndexStamp,
  indexEntries,
  modeOfStat,
  statData,
  statMatch,
  updateIndex,
} from './index-write.js';
import { commonDirOf, repositoryWriters, runsHook } from './repository-writers.js';
import { findEntry } from './tree-switch.js';
import {
  hashFile,
  lstatOrNull,
  parentsAreFolders,
  plainWorktreeProblem,
  worktreePath,
} from './worktree-files.js';
import type { WatchPlan, WorktreeWatch } from './worktree-watch.js';
import { drainWatchEvents, entriesUnder, worktreeWatch } from './worktree-watch.js';

/** Above this many index entries `git add -A` stats the worktree for less than this process would. */
const MAX_ENTRIES = 20_000;

/** Why a capture was left to `git add -A` (a reason), or what it staged. */
export type CaptureResult = { staged: string[] } | { fallback: string };

/**
 * Stages everything in a worktree as `git add -A` does, in this process: each index entry's
 * file compared by its stat data (the content hashed when the stat data changed or cannot be
 * trusted: racy git), deleted files dropped, untracked files found by walking the folders and
 * added unless git's exclude rules ({@link IgnoreRules}) exclude them; changed and new files are
 * stored by git (the repository's long-lived `hash-object`), the index is rewritten with their
 * entries and stat data and the cache tree invalidated above them, as git's would be.
 * `ownPaths` (the slot's links and copies) are left as the index has them. With a `watch` (a
 * pool's slot, {@link WorktreeWatch}) only the paths with an event since the last capture are
 * looked at, unless the watch cannot be trusted: then, and without one, everything is.
 *
 * Returns a fallback reason, having changed no file and not the index, whenever git must do it:
 * see `plainWorktreeProblem` (conversions, case folding, sparse checkout), an index with
 * assume-unchanged or skip-worktree entries, a submodule or a nested repository, a `.gitignore`
 * that is a symlink, a path with a newline or a backslash, a file that changed while it was read.
 */
export async function captureWorktree(options: {
  worktree: string;
  gitDir: string;
  commonDir: string;
  hashBytes: number;
  ownPaths: readonly string[];
  settings: ReadonlyMap<string, string>;
  blobs: BlobWriter;
  /** The slot's watch: only the names it recorded are looked at, when it can be trusted. */
  watch?: WorktreeWatch | null;
}): Promise<CaptureResult> {
  const { gitDir, hashBytes } = options;
  const loaded = loadIndex(gitDir, hashBytes);
  if ('problem' in loaded) return { fallback: 'index' };
  const { index, stamp } = loaded;
  if (index.flagged) return { fallback: 'index' };
  if (index.modes.includes(0o160000)) return { fallback: 'submodule' };
  // git's C stats a large worktree faster than lstat from here (~2-3 µs a call): leave it to git.
  if (index.paths.length > MAX_ENTRIES) return { fallback: 'large' };
  const problem = plainWorktreeProblem(options.settings, options.commonDir, index.paths);
  if (problem) return { fallback: problem };
  const own = (path: string) => options.ownPaths.some((p) => path === p || path.startsWith(`${p}/`));
  const watch = options.watch ?? null;
  // Left to git or failed: the names taken from the watch are lost, so the next capture scans whole.
  const result = await scanWorktree(options, index, stamp, own, watch).catch((error: unknown) => {
    watch?.abandon();
    throw error;
  });
  if ('fallback' in result) watch?.abandon();
  return result;
}

/** Counts of the last capture: how it went, and how many paths it lstat'ed. */
function scanWorktreeCounts(watched: boolean, looked: number, full: string | null): void {
  if (watched) captureCounts.scans.watched += 1;
  else {
    captureCounts.scans.full += 1;
    if (full) captureCounts.scans.why[full] = (captureCounts.scans.why[full] ?? 0) + 1;
  }
  captureCounts.lastLooked = looked;
}

async function scanWorktree(
  options: Parameters<typeof captureWorktree>[0],
  index: IndexSnapshot,
  stamp: IndexStamp,
  own: (path: string) => boolean,
  watch: WorktreeWatch | null,
): Promise<CaptureResult> {
  const { worktree, gitDir, hashBytes } = options;
  let plan: WatchPlan = watch
    ? watch.begin(index, watchContext(options))
    : { full: process.env.MILESTONE_TASK_CAPTURE === 'scan' ? 'scan' : 'not watched' };
  let looked = 0;
  const folders = new Set<string>();
  // A watched capture: the names the watch recorded, sorted (a folder before what is below it),
  // each told apart (an entry, a folder of entries, an untracked candidate) before anything is read.
  let checks: Checks | null = null;
  if (plan.full === null) {
    checks = planChecks(worktree, index, [...plan.names].sort(), own, watch!.rules!, folders);
    looked += checks.looked;
    if (checks.full) {
      watch!.restartFull(index);
      plan = { full: checks.full };
      checks = null;
    }
  }
  const entries = indexEntries(index);
  const updated = new Map<string, IndexEntry | null>();
  /** New blobs to store: the path, its entry (oid filled in once git stored it), and the id we expect. */
  const toStore: Array<{ entry: IndexEntry; file: Buffer; link: Buffer | null; expected: Buffer | null }> =
    [];
  const staged: string[] = [];
  const toCheck = checks ? checks.entries : entries.keys();
  for (const at of toCheck) {
    const entry = entries[at]!;
    if (own(entry.path)) continue;
    const file = worktreePath(worktree, entry.path);
    looked += 1;
    const st = parentsAreFolders(worktree, entry.path, folders) ? lstatOrNull(file) : null;
    const mode = st ? modeOfStat(st) : null;
    if (!st || mode === null) {
      // Gone, or a folder now (its files are untracked, found below).
      updated.set(entry.path, null);
      continue;
    }
    const match = statMatch(entry, st, stamp);
    if (match === 'clean') continue;
    const found = hashFile(file, st, hashBytes);
    if (!found) return { fallback: 'changed while read' };
    const fresh: IndexEntry = {
      path: entry.path,
      mode: found.mode,
      oid: found.oid,
      stat: statData(st, found.mode),
    };
    // Same content: only the stat data is refreshed (git add does too).
    if (found.mode === entry.mode && found.oid.equals(entry.oid)) {
      updated.set(entry.path, fresh);
      continue;
    }
    staged.push(entry.path);
    toStore.push({ entry: fresh, file, link: linkOf(file, st), expected: found.oid });
    updated.set(entry.path, fresh);
  }

  const arm = watch ? (folder: string) => watch.arm(folder) : undefined;
  const rules = checks ? watch!.rules! : new IgnoreRules(options.commonDir, options.settings);
  const untracked: string[] = [];
  if (checks) {
    const found = new Set<string>(checks.untracked);
    for (const folder of checks.walks) {
      const walked = walkUntracked(worktree, index, rules, own, found, folder, arm);
      if (walked) return { fallback: walked };
    }
    untracked.push(...found);
  } else {
    const found = new Set<string>();
    const walked = walkUntracked(worktree, index, rules, own, found, '', arm);
    if (walked) return { fallback: walked };
    untracked.push(...found);
  }
  for (const path of untracked) {
    const file = worktreePath(worktree, path);
    looked += 1;
    const st = lstatOrNull(file);
    const mode = st ? modeOfStat(st) : null;
    if (!st || mode === null) return { fallback: 'changed while read' };
    const entry: IndexEntry = { path, mode, oid: Buffer.alloc(hashBytes), stat: statData(st, mode) };
    staged.push(path);
    toStore.push({ entry, file, link: linkOf(file, st), expected: null });
    updated.set(path, entry);
  }
  scanWorktreeCounts(checks !== null, looked, plan.full);

  const stored = await Promise.all(
    toStore.map(({ file, link }) => (link ? options.blobs.writeData(link) : options.blobs.writeFile(file))),
  );
  for (const [i, item] of toStore.entries()) {
    const oid = Buffer.from(stored[i]!, 'hex');
    if (item.expected && !item.expected.equals(oid)) return { fallback: 'changed while read' };
    item.entry.oid = oid;
  }
  if (updated.size === 0) {
    watch?.end(entries, rules);
    return { staged };
  }
  const changed = new Set(staged);
  const invalidated = [...updated.keys()].filter((path) => changed.has(path));
  const lock = IndexLock.take(gitDir);
  if (!lock) return { fallback: 'index locked' };
  let next: IndexSnapshot;
  try {
    // The snapshot stays in memory for the commit and the next task's switch (index-cache.ts).
    const written = updateIndex(index, updated, invalidated);
    await lock.commit(written.data, written.snapshot);
    next = written.snapshot;
  } finally {
    lock.release();
  }
  watch?.end(next.entries, rules);
  return { staged };
}

/** What a watched capture looks at, told apart from the watch's names before anything is read. */
interface Checks {
  /** Index entries (positions) to compare with their files, in index order. */
  entries: number[];
  /** Untracked files to add (not excluded, not in the index). */
  untracked: string[];
  /** Folders (`a/b/`) to walk for untracked files, their folders above entered in the rules. */
  walks: string[];
  /** Paths lstat'ed to tell them apart. */
  looked: number;
  /** Why the worktree must be scanned whole after all, or null. */
  full: string | null;
}

/**
 * Tells the watch's `names` (sorted) apart: an entry of the index is compared, a folder holding
 * entries has all of them compared, and what exists but is not an entry is an untracked file
 * (added unless excluded, by its own rule or an excluded folder above it) or folder (walked).
 */
function planChecks(
  worktree: string,
  index: IndexSnapshot,
  names: readonly string[],
  own: (path: string) => boolean,
  rules: IgnoreRules,
  folders: Set<string>,
): Checks {
  const checks: Checks = { entries: [], untracked: [], walks: [], looked: 0, full: null };
  const entries = new Set<number>();
  let walkedUnder: string | null = null;
  for (const name of names) {
    if (name === '.git' || own(name)) continue;
    const at = findEntry(index, name);
    if (at >= 0) entries.add(at);
    const [from, to] = entriesUnder(index, `${name}/`);
    for (let i = from; i < to; i++) entries.add(i);
    if (at >= 0) continue;
    // Below a folder walked already: found by that walk.
    if (walkedUnder !== null && name.startsWith(walkedUnder)) continue;
    checks.looked += 1;
    const st = parentsAreFolders(worktree, name, folders) ? lstatOrNull(worktreePath(worktree, name)) : null;
    if (st === null) continue; // gone: only its entries (above) matter
    const kind = st.isDirectory() ? 'folder' : modeOfStat(st) !== null ? 'file' : null;
    if (kind === null) continue;
    const above = excludedAbove(rules, name);
    if (above === null) {
      checks.full = 'rules';
      return checks;
    }
    try {
      if (above || rules.excluded(name, kind === 'folder')) continue;
    } catch {
      checks.full = 'path';
      return checks;
    }
    if (kind === 'file') checks.untracked.push(name);
    else {
      if (from === to && containsGit(worktree, name)) {
        checks.full = 'nested repository';
        return checks;
      }
      checks.walks.push(`${name}/`);
      walkedUnder = `${name}/`;
    }
  }
  checks.entries = [...entries].sort((a, b) => a - b);
  return checks;
}

/**
 * Whether a folder above `path` is excluded (git does not look into it: nothing below is added);
 * null when the rules have not seen a folder above (the worktree is scanned whole instead).
 */
function excludedAbove(rules: IgnoreRules, path: string): boolean | null {
  for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
    const folder = path.slice(0, slash);
    const base = folder.lastIndexOf('/');
    if (!rules.entered(base < 0 ? '' : folder.slice(0, base + 1))) return null;
    if (rules.excluded(folder, true)) return true;
  }
  const slash = path.lastIndexOf('/');
  return rules.entered(slash < 0 ? '' : path.slice(0, slash + 1)) ? false : null;
}

/**
 * What else decides what a capture adds, as the watch cannot see it: the slot's own paths and
 * the repository-wide exclude files (their stat data). A change makes the capture scan whole.
 */
function watchContext(options: {
  commonDir: string;
  settings: ReadonlyMap<string, string>;
  ownPaths: readonly string[];
}): string {
  const parts: string[] = [options.ownPaths.join('\0')];
  for (const file of excludeFiles(options.commonDir, options.settings)) {
    try {
      const st = statSync(file, { bigint: true });
      parts.push(`${file} ${st.ino} ${st.size} ${st.mtimeNs} ${st.ctimeNs}`);
    } catch {
      parts.push(`${file} -`);
    }
  }
  return parts.join('\n');
}

/** A symlink's target (stored as its blob), or null for a file. */
function linkOf(file: Buffer, st: BigIntStats): Buffer | null {
  return st.isSymbolicLink() ? readlinkSync(file, { encoding: 'buffer' }) : null;
}

/**
 * Walks the worktree (from folder `start`: `''` or `a/b/`, whose folders above must have been
 * entered in `rules`) for untracked files `git add -A` would add, into `out` (paths as latin1
 * strings of their bytes); a reason instead when git must decide (a nested repository, a
 * symlinked `.gitignore`, a name the exclude matcher cannot take). `arm` watches each folder
 * before it is read.
 */
function walkUntracked(
  worktree: string,
  index: IndexSnapshot,
  rules: IgnoreRules,
  own: (path: string) => boolean,
  out: Set<string>,
  start: string,
  arm?: (folder: string) => boolean,
): string | null {
  const visit = (folder: string): string | null => {
    // Watched before it is read: a change after this is an event.
    arm?.(folder);
    let names: Dirent<Buffer>[];
    try {
      names = readdirSync(worktreePath(worktree, folder), { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return null; // vanished or unreadable: git skips it too
    }
    let gitignore: string | null = null;
    for (const dirent of names) {
      const name = dirent.name.toString('latin1');
      if (name === '.git') {
        if (folder !== '') return 'nested repository';
      } else if (name === '.gitattributes') {
        return 'attributes'; // git reads it from the worktree: it may convert what is staged
      } else if (name === '.gitignore') {
        if (dirent.isSymbolicLink()) return 'gitignore link';
        if (dirent.isFile())
          gitignore = readFileSync(worktreePath(worktree, `${folder}.gitignore`), 'latin1');
      }
    }
    rules.enter(folder, gitignore);
    for (const dirent of names) {
      const name = dirent.name.toString('latin1');
      if (folder === '' && name === '.git') continue;
      const path = `${folder}${name}`;
      if (path.includes('\n') || path.includes('\\')) return 'path';
      if (own(path)) continue;
      let kind: 'folder' | 'file' | null = dirent.isDirectory()
        ? 'folder'
        : dirent.isFile() || dirent.isSymbolicLink()
          ? 'file'
          : null;
      if (
        kind === null &&
        !dirent.isFIFO() &&
        !dirent.isSocket() &&
        !dirent.isBlockDevice() &&
        !dirent.isCharacterDevice()
      ) {
        // The file system did not say (DT_UNKNOWN): ask.
        const st = lstatOrNull(worktreePath(worktree, path));
        kind = st?.isDirectory() ? 'folder' : st && modeOfStat(st) !== null ? 'file' : null;
      }
      if (kind === 'folder') {
        const tracked = hasEntriesUnder(index, `${path}/`);
        // An excluded folder: nothing untracked below it is added (tracked files were compared above).
        let excluded: boolean;
        try {
          excluded = rules.excluded(path, true);
        } catch {
          return 'path';
        }
        if (excluded) continue;
        if (!tracked && containsGit(worktree, path)) return 'nested repository';
        const reason = visit(`${path}/`);
        if (reason) return reason;
      } else if (kind === 'file') {
        if (findEntry(index, path) >= 0) continue;
        try {
          if (rules.excluded(path, false)) continue;
        } catch {
          return 'path';
        }
        out.add(path);
      }
    }
    return null;
  };
  return visit(start);
}

function containsGit(worktree: string, path: string): boolean {
  return lstatOrNull(worktreePath(worktree, `${path}/.git`)) !== null;
}

/** Whether the index holds any path below `prefix` (a folder with its `/`). */
function hasEntriesUnder(index: IndexSnapshot, prefix: string): boolean {
  const [from, to] = entriesUnder(index, prefix);
  return from < to;
}

/**
 * How many captures went each way in this process, and why git was used (tests, and
 * `MILESTONE_DEBUG=1` after a run: engine/git-work-counts.ts).
 */
export const captureCounts = {
  inProcess: 0,
  git: 0,
  why: {} as Record<string, number>,
  /** In-process captures that looked at the watch's names only, and those that scanned whole (and why). */
  scans: { watched: 0, full: 0, why: {} as Record<string, number> },
  /** How many paths the last in-process capture lstat'ed (index entries and untracked files). */
  lastLooked: 0,
};

/**
 * `git add -A` of a task's worktree in this process when it can ({@link captureWorktree}):
 * the paths it staged (added or changed), or null when the caller must run `git add -A`.
 * `MILESTONE_TASK_CAPTURE=git` always answers null.
 */
export async function stageInProcess(
  worktree: string,
  ownPaths: readonly string[],
): Promise<string[] | null> {
  const result = await tryStage(worktree, ownPaths).catch(() => ({ fallback: 'error' }));
  if ('staged' in result) {
    captureCounts.inProcess += 1;
    return result.staged;
  }
  captureCounts.git += 1;
  captureCounts.why[result.fallback] = (captureCounts.why[result.fallback] ?? 0) + 1;
  return null;
}

async function tryStage(worktree: string, ownPaths: readonly string[]): Promise<CaptureResult> {
  if (process.env.MILESTONE_TASK_CAPTURE === 'git') return { fallback: 'disabled' };
  const gitDir = gitDirOf(worktree);
  const commonDir = commonDirOf(gitDir);
  const writers = repositoryWriters(commonDir);
  const settings = await writers.commits.settings();
  if (!settings) return { fallback: 'settings' };
  // git add runs this one hook (it writes the index).
  if (runsHook(worktree, commonDir, settings, ['post-index-change'])) return { fallback: 'hook' };
  // An excludes file git would find relative to its working folder, or under another user's home.
  const excludes = settings.get('core.excludesfile');
  if (excludes && !excludes.startsWith('/') && !excludes.startsWith('~/')) return { fallback: 'settings' };
  const format = settings.get('extensions.objectformat')?.toLowerCase();
  if (format !== undefined && format !== 'sha1' && format !== 'sha256') return { fallback: 'settings' };
  const watch = worktreeWatch(worktree);
  // The task's process has exited: every event it caused is delivered before the names are taken.
  if (watch) await drainWatchEvents();
  return captureWorktree({
    worktree,
    gitDir,
    watch,
    commonDir,
    hashBytes: format === 'sha256' ? 32 : 20,
    ownPaths,
    settings,
    blobs: writers.blobs,
  });
}
