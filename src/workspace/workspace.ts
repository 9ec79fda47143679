import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { DEFAULT_CONFIG, parseConfig } from '../config/config.js';
import { ID_PATTERN } from '../core/types.js';
import type { Problem } from '../errors.js';
import { UsageError } from '../errors.js';
import { mainWorktreeRoot, repoRoot } from '../git/git.js';
import { readYaml } from '../plan/syntax.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { Store } from '../store/store.js';
import { openStore } from '../store/store.js';
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
    worktree = await repoRoot(cwd);
    root = await mainWorktreeRoot(worktree);
  } catch (error) {
    throw new UsageError(
      'MILESTONE_NOT_A_REPO',
      `not inside a git repository: ${cwd} (run \`git init\` first)`,
      [],
      {
        cause: error,
      },
    );
  }
  const milestonesDir = join(root, '.milestones');
  const configFile = join(milestonesDir, 'config.yaml');
  return {
    root,
    worktree,
    milestonesDir,
    storeDir: join(milestonesDir, '.local'),
    configFile,
    config: readConfig(configFile),
  };
}

function readConfig(file: string): Config {
  if (!existsSync(file)) return DEFAULT_CONFIG;
  // Read like a plan file: merge keys accepted, alias bombs refused, problems with file:line.
  const syntax = readYaml(readFileSync(file, 'utf8'), file);
  const { config, problems } = syntax.ok
    ? parseConfig(syntax.value, file, syntax.positionOf)
    : {
        config: DEFAULT_CONFIG,
        problems: syntax.problems.map((p): Problem => ({ ...p, code: 'MILESTONE_CONFIG_YAML' })),
      };
  if (problems.length) throw new UsageError('MILESTONE_CONFIG', `invalid config ${file}`, problems);
  return config;
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
