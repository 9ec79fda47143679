import { existsSync, mkdirSync, readdirSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { readConfig } from '../config/read-config.js';
import { ID_PATTERN } from '../core/types.js';
import { ExitError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { type AtomicFile, writeFilesAtomic } from '../store/atomic-files.js';
import { commitStoreImage, createStoreFolder } from '../store/new-store.js';
import type { Store } from '../store/store.js';
import { openStore, openStoreImage } from '../store/store.js';
import { locateQuickly } from './locate-quickly.js';
import { checkStateFolder } from './state-folders.js';

/** Where milestone keeps things in one repository. */
export interface Workspace {
  /** The main worktree's top-level directory (also when the command ran in a linked worktree). */
  root: string;
  /** The top level of the worktree the command ran in (`root`, or a linked worktree). */
  worktree: string;
  /** `<root>/.milestones`: plans and artifacts, committed. */
  milestonesDir: string;
  /** `<root>/.milestones/.local`: the runtime store, git-ignored, mode 0700. */
  storeDir: string;
  configFile: string;
  config: Config;
}

/** Ignore rules kept next to the plans, so the user's own `.gitignore` is not edited. */
export const MILESTONES_GITIGNORE =
  '# milestone runtime state (events, leases, logs): never committed\n.local/\n';

/**
 * Finds the repository around `cwd` and reads its config; refuses outside a git repository.
 * From a linked worktree (a task's kept worktree, or the person's own) it is the main
 * worktree's `.milestones/` that holds the plans and the store, so every command works there.
 */
export async function openWorkspace(cwd: string): Promise<Workspace> {
  let root: string;
  let worktree: string;
  try {
    ({ root, worktree } = await locateRepository(cwd));
  } catch (error) {
    // Loaded only here: a read's quick path starts no git and loads no child_process.
    const { notARepository } = await import('./not-a-repository.js');
    throw new UsageError('MILESTONE_NOT_A_REPO', await notARepository(cwd, error), [], { cause: error });
  }
  const milestonesDir = join(root, '.milestones');
  const configFile = join(milestonesDir, 'config.yaml');
  return {
    root,
    worktree,
    milestonesDir,
    storeDir: join(milestonesDir, '.local'),
    configFile,
    config: await readConfig(configFile, join(milestonesDir, '.local')),
  };
}

/**
 * The worktree around `cwd` and the main worktree, with one git process in the usual case (the
 * command runs in the main worktree, whose `.git` is the common directory); from a linked
 * worktree, `mainWorktreeRoot` asks git for the worktree list.
 */
async function locateRepository(cwd: string): Promise<{ root: string; worktree: string }> {
  // A plain repository is found without git (read commands start in less time); git answers the rest.
  const quick = locateQuickly(cwd);
  if (quick !== null) return { root: quick, worktree: quick };
  const [{ gitExec }, { mainWorktreeRoot }] = await Promise.all([
    import('../git/git-exec.js'),
    import('../git/repo.js'),
  ]);
  const out = await gitExec(cwd, [
    'rev-parse',
    '--show-toplevel',
    '--path-format=absolute',
    '--git-common-dir',
  ]);
  const [top = '', common = ''] = out.stdout.split('\n');
  const worktree = top.trim();
  if (worktree === '') throw new Error(`git rev-parse --show-toplevel printed nothing in ${cwd}`);
  if (sameFile(dirname(resolve(cwd, common.trim())), worktree) && common.trim().endsWith('/.git'))
    return { root: worktree, worktree };
  return { root: await mainWorktreeRoot(worktree), worktree };
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** True once some command has created the runtime store. */
export function storeExists(workspace: Workspace): boolean {
  return existsSync(join(workspace.storeDir, 'store.db'));
}

/**
 * Opens the runtime store, creating `.milestones/.gitignore` first so the store can never be
 * committed by accident.
 */
export function openWorkspaceStore(workspace: Workspace): Store {
  checkStateFolder(workspace.milestonesDir);
  checkStateFolder(workspace.storeDir);
  mkdirSync(workspace.milestonesDir, { recursive: true });
  const ignore = join(workspace.milestonesDir, '.gitignore');
  if (!existsSync(ignore)) writeFileAtomic(ignore, MILESTONES_GITIGNORE);
  return openStore(workspace.storeDir);
}

/**
 * Starts a new runtime store, when there is none yet, from the build's template: its folder and
 * ignore files now, with their fsyncs off the main thread (`store/new-store.ts`); the caller
 * computes meanwhile and then runs its work on the store with {@link withNewStore}, which writes
 * the database. Resolves to the template's bytes; null, having done nothing, where a store
 * exists or there is no template (then {@link withNewStore} is {@link withStore}).
 */
export async function createWorkspaceStore(workspace: Workspace): Promise<Buffer | null> {
  checkStateFolder(workspace.milestonesDir);
  checkStateFolder(workspace.storeDir);
  return createStoreFolder({
    milestonesDir: workspace.milestonesDir,
    ignore: MILESTONES_GITIGNORE,
    storeDir: workspace.storeDir,
  });
}

/**
 * Undoes {@link createWorkspaceStore} for a command refused before its store was written (bad
 * input changes nothing): the state folder goes where it holds only the two ignore files that
 * call made. Anything else in it (another process's store made meanwhile, a config) keeps it.
 */
export function discardWorkspaceStore(workspace: Workspace): void {
  const only = (dir: string, names: string[]) => {
    try {
      const found = readdirSync(dir);
      return found.length === names.length && names.every((name) => found.includes(name));
    } catch {
      return false;
    }
  };
  if (!only(workspace.storeDir, ['.gitignore']) || !only(workspace.milestonesDir, ['.gitignore', '.local']))
    return;
  try {
    rmSync(join(workspace.storeDir, '.gitignore'));
    rmdirSync(workspace.storeDir);
    rmSync(join(workspace.milestonesDir, '.gitignore'));
    rmdirSync(workspace.milestonesDir);
  } catch {
    // Another process wrote there meanwhile: what it made stays.
  }
}

/**
 * {@link withStore} for the store {@link createWorkspaceStore} started (`template`), and
 * `files` written once `fn` has returned: `fn` runs on the new store in memory, and the store
 * is then written in one go beside the files (`commitStoreImage`: one round of fsyncs on the
 * thread pool, where SQLite fsyncs four times one after another on this thread). Nothing is
 * written when `fn` throws; the files' folders are made once it returned. Where another process created the store meanwhile (it wins), or
 * there is no template, `fn` runs (again) on the store on disk and the files are written after.
 */
export async function withNewStore<T>(
  workspace: Workspace,
  template: Promise<Buffer | null>,
  fn: (store: Store) => Promise<T> | T,
  files: readonly AtomicFile[] = [],
): Promise<T> {
  const image = await template;
  if (image) {
    const store = openStoreImage(workspace.storeDir, image);
    let value: T;
    let bytes: Buffer;
    try {
      value = await fn(store);
      bytes = store.fileImage();
    } finally {
      store.close();
    }
    for (const folder of new Set(files.map((file) => dirname(file.path))))
      mkdirSync(folder, { recursive: true });
    if (await commitStoreImage(workspace.storeDir, bytes, files)) return value;
  }
  const value = await withStore(workspace, fn);
  for (const folder of new Set(files.map((file) => dirname(file.path))))
    mkdirSync(folder, { recursive: true });
  if (files.length > 0) await writeFilesAtomic(files);
  return value;
}

/** Runs `fn` with the store open, closing it after. Without a store, read commands see none. */
export async function withStore<T>(workspace: Workspace, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const store = openWorkspaceStore(workspace);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** Checks a milestone id before it touches a path, a branch name or the store. */
export function checkMilestoneId(id: string, field = '<id>'): string {
  if (!ID_PATTERN.test(id)) {
    throw new UsageError(
      'MILESTONE_BAD_ID',
      `${field}: "${id}" is not a valid id (pattern ${ID_PATTERN.source})`,
    );
  }
  return id;
}

/** The folder of one milestone's committed record. */
export function milestoneDir(workspace: Workspace, id: string): string {
  const dir = join(workspace.milestonesDir, checkMilestoneId(id));
  checkStateFolder(workspace.milestonesDir);
  checkStateFolder(dir);
  return dir;
}

/**
 * Runs a read-only command against the store. A repository where nothing was planned yet gets
 * a clear message instead of a new, empty store.
 */
export async function withExistingStore<T>(
  workspace: Workspace,
  fn: (store: Store) => Promise<T> | T,
): Promise<T> {
  if (!storeExists(workspace)) {
    throw new UsageError(
      'MILESTONE_NONE_PLANNED',
      `no milestone planned in ${workspace.root} yet (milestone plan --from FILE)`,
    );
  }
  return withStore(workspace, fn);
}

/**
 * Runs a read command against the store opened read-only: no write lock, no migration, so a
 * read never waits on a running coordinator. A store of an older schema is upgraded once by a
 * writable open first. Without a store, `missing` answers (by default the refusal of
 * {@link withExistingStore}).
 */
export async function withReadStore<T>(
  workspace: Workspace,
  fn: (store: Store) => Promise<T> | T,
  missing: () => T = () => {
    throw new UsageError(
      'MILESTONE_NONE_PLANNED',
      `no milestone planned in ${workspace.root} yet (milestone plan --from FILE)`,
    );
  },
): Promise<T> {
  if (!storeExists(workspace)) return missing();
  let store: Store;
  try {
    store = openStore(workspace.storeDir, { readonly: true });
  } catch (error) {
    if (!(error instanceof ExitError && error.code === 'MILESTONE_STORE_OUTDATED')) throw error;
    openWorkspaceStore(workspace).close();
    store = openStore(workspace.storeDir, { readonly: true });
  }
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
