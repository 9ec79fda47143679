import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { BlobWriter } from './blob-writer.js';
import { CommitWriter } from './commit-writer.js';
import { gitBaseEnv, gitEnv } from './git-exec.js';
import { gitDirOf } from './head.js';
import { ObjectReader, TreeWriter } from './object-batch.js';
import { branchNameProblem } from './ref-names.js';
import { RefTransactions } from './ref-transaction.js';

/**
 * The long-lived git processes that write a repository's task commits and move its task
 * branches, shared by every worktree of the repository in this process: the objects through
 * `hash-object --stdin-paths`, the refs through one `update-ref --stdin`. Idle, they hold no
 * reference on the event loop; they end at `beforeExit` (so the program reaps them and their
 * CPU counts in its own) or with {@link closeRepositoryWriters}.
 */
export interface RepositoryWriters {
  commits: CommitWriter;
  trees: TreeWriter;
  refs: RefTransactions;
  /** Object contents (`cat-file --batch`): the blobs an in-process slot switch writes. */
  objects: ObjectReader;
  /** A task's changed files, stored by an in-process capture (`worktree-capture.ts`). */
  blobs: BlobWriter;
  /** The environment and config file they were started with: a change starts new ones. */
  env: NodeJS.ProcessEnv;
  configStamp: string;
}

const writersByRepository = new Map<string, RepositoryWriters>();
let closingAtExit = false;

/** The writers of the repository whose common git folder is `commonDir`. */
export function repositoryWriters(commonDir: string): RepositoryWriters {
  const env = gitBaseEnv();
  const configStamp = stampOf(join(commonDir, 'config'));
  const known = writersByRepository.get(commonDir);
  if (known && known.env === env && known.configStamp === configStamp) return known;
  if (known) void closeWriters(known);
  // Started in the common git folder: it stays while worktrees come and go.
  const writers: RepositoryWriters = {
    commits: new CommitWriter(commonDir, { unrefWhenIdle: true }),
    trees: new TreeWriter(commonDir, { unrefWhenIdle: true }),
    refs: new RefTransactions(commonDir, 'milestone: task branch', true),
    objects: new ObjectReader(commonDir, { unrefWhenIdle: true }),
    blobs: new BlobWriter(commonDir, { unrefWhenIdle: true }),
    env,
    configStamp,
  };
  writersByRepository.set(commonDir, writers);
  if (!closingAtExit) {
    closingAtExit = true;
    process.once('beforeExit', () => {
      closingAtExit = false;
      void closeRepositoryWriters();
    });
  }
  return writers;
}

/**
 * Ends the writers of the repository `cwd` is in, or of every repository (also done at
 * `beforeExit`). A later use starts new ones.
 */
export async function closeRepositoryWriters(cwd?: string): Promise<void> {
  const keys = cwd === undefined ? [...writersByRepository.keys()] : [commonDirOf(gitDirOf(cwd))];
  const closing: RepositoryWriters[] = [];
  for (const key of keys) {
    const writers = writersByRepository.get(key);
    if (writers) closing.push(writers);
    writersByRepository.delete(key);
  }
  await Promise.all(closing.map(closeWriters));
}

function closeWriters(writers: RepositoryWriters): Promise<unknown> {
  return Promise.all([
    writers.commits.close(),
    writers.trees.close(),
    writers.refs.close(),
    writers.objects.close(),
    writers.blobs.close(),
  ]);
}

/** A config file's size and modification time: a hook path or setting an agent changed is seen. */
function stampOf(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'none';
  }
}

/** The branch a worktree's HEAD names (`ref: refs/heads/<branch>`), or null (detached, unusual). */
export function headBranch(gitDir: string): string | null {
  let head: string;
  try {
    head = readFileSync(join(gitDir, 'HEAD'), 'utf8');
  } catch {
    return null;
  }
  const branch = /^ref: refs\/heads\/(\S+)\n?$/.exec(head)?.[1];
  return branch !== undefined && branchNameProblem(branch) === null ? branch : null;
}

/** The repository's common git folder, from a worktree's own git folder. */
export function commonDirOf(gitDir: string): string {
  try {
    return resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/**
 * Whether git would run one of `hooks` in `worktree`: an executable file in `core.hooksPath`
 * (relative to the worktree, `~/` expanded) or else in the common folder's `hooks/`.
 */
export function runsHook(
  worktree: string,
  commonDir: string,
  settings: ReadonlyMap<string, string>,
  hooks: readonly string[],
): boolean {
  const configured = settings.get('core.hookspath');
  let dir = join(commonDir, 'hooks');
  if (configured !== undefined && configured !== '') {
    // ~user/...: git expands it; not worth guessing here.
    if (configured.startsWith('~') && !configured.startsWith('~/')) return true;
    if (configured.startsWith('~/')) dir = join(gitEnv().HOME ?? homedir(), configured.slice(2));
    else dir = isAbsolute(configured) ? configured : resolve(worktree, configured);
  }
  return hooks.some((hook) => {
    try {
      accessSync(join(dir, hook), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
