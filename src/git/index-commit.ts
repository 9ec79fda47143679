import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { CommitWriter } from './commit-writer.js';
import { gitBaseEnv, gitEnv } from './git-exec.js';
import { gitDirOf } from './head.js';
import { type IndexSnapshot, indexTree, readIndex } from './index-file.js';
import { TreeWriter } from './object-batch.js';
import { branchNameProblem } from './ref-names.js';
import { RefTransactions } from './ref-transaction.js';

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Hooks `git commit --no-verify` still runs (pre-commit and commit-msg are skipped by
 * `--no-verify`; post-index-change because commit writes the index).
 */
const COMMIT_HOOKS = ['prepare-commit-msg', 'post-commit', 'post-index-change'];

/** Why a commit was left to `git commit` (counted per reason for tests and debugging). */
export type IndexCommitFallback =
  /** `MILESTONE_TASK_COMMIT=git`: every task commit by `git commit` (a comparison, a way out). */
  'disabled' | 'head' | 'settings' | 'hook' | 'index' | 'tree' | 'moved' | 'error';

/** How many task commits went each way in this process (tests, `MILESTONE_DEBUG`). */
export const indexCommitCounts: { written: number; fallbacks: Partial<Record<IndexCommitFallback, number>> } =
  {
    written: 0,
    fallbacks: {},
  };

/**
 * Commits a worktree's index on its branch as `git commit -q --allow-empty --no-verify -F -`
 * would, without a git process: the tree from the index (`index-file.ts`: the cache tree's
 * unchanged folders, the rest written through one long-lived `hash-object`), the commit
 * through the repository's long-lived {@link CommitWriter}, the branch moved from `parent` by
 * a compare-and-swap in its long-lived `update-ref --stdin`. The message is cleaned as git
 * cleans it (`--cleanup=whitespace`, git's default without an editor).
 *
 * Returns null, having changed nothing, whenever git's own commit must run: HEAD not on a
 * branch at `parent`, a hook `git commit` would run (prepare-commit-msg, post-commit,
 * post-index-change), signing, another encoding, a cleanup mode, an index this reader leaves to
 * git (conflicts, `add -N`, split or sparse), a tree the cache tree names that is missing.
 */
export async function commitIndex(worktree: string, parent: string, message: string): Promise<string | null> {
  const outcome = await tryCommit(worktree, parent, message).catch(() => ({ fallback: 'error' as const }));
  if ('fallback' in outcome) {
    const { fallbacks } = indexCommitCounts;
    fallbacks[outcome.fallback] = (fallbacks[outcome.fallback] ?? 0) + 1;
    return null;
  }
  indexCommitCounts.written += 1;
  return outcome.commit;
}

type Attempt = { commit: string } | { fallback: IndexCommitFallback };

async function tryCommit(worktree: string, parent: string, message: string): Promise<Attempt> {
  if (process.env.MILESTONE_TASK_COMMIT === 'git') return { fallback: 'disabled' };
  if (!OBJECT_ID.test(parent)) return { fallback: 'head' };
  const gitDir = gitDirOf(worktree);
  const branch = headBranch(gitDir);
  if (branch === null) return { fallback: 'head' };
  const commonDir = commonDirOf(gitDir);
  const writers = repositoryWriters(commonDir);
  const settings = await writers.commits.settings();
  if (!settings || !plainCommitSettings(settings)) return { fallback: 'settings' };
  if (hasCommitHook(worktree, commonDir, settings)) return { fallback: 'hook' };
  const index = readIndex(join(gitDir, 'index'), parent.length / 2);
  if ('problem' in index) return { fallback: 'index' };
  const tree = await treeOf(index, writers);
  if (tree === null) return { fallback: 'tree' };
  const commit = await writers.commits.write(tree, [parent], stripSpace(message));
  const moved = await writers.refs.apply([{ ref: `refs/heads/${branch}`, to: commit, from: parent }]);
  return moved ? { commit } : { fallback: 'moved' };
}

function treeOf(index: IndexSnapshot, writers: RepositoryWriters): Promise<string | null> {
  return indexTree(index, {
    write: (data) => writers.trees.writeObject(data),
    exist: async (ids) => (await writers.commits.objectTypes(ids)).every((type) => type === 'tree'),
  });
}

/** The branch HEAD names (`ref: refs/heads/<branch>`), or null (detached, unusual). */
function headBranch(gitDir: string): string | null {
  let head: string;
  try {
    head = readFileSync(join(gitDir, 'HEAD'), 'utf8');
  } catch {
    return null;
  }
  const branch = /^ref: refs\/heads\/(\S+)\n?$/.exec(head)?.[1];
  return branch !== undefined && branchNameProblem(branch) === null ? branch : null;
}

function commonDirOf(gitDir: string): string {
  try {
    const common = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
    return resolve(gitDir, common);
  } catch {
    return gitDir;
  }
}

/** No setting that makes `git commit` write something else than a plain commit of the index. */
function plainCommitSettings(settings: ReadonlyMap<string, string>): boolean {
  const cleanup = settings.get('commit.cleanup')?.toLowerCase();
  // Per-worktree config (config.worktree) could say otherwise than the repository's.
  if (/^(true|yes|on|1)$/i.test(settings.get('extensions.worktreeconfig') ?? '')) return false;
  return cleanup === undefined || cleanup === 'default' || cleanup === 'whitespace';
}

/** Whether `git commit` would run one of {@link COMMIT_HOOKS} in this worktree. */
function hasCommitHook(worktree: string, commonDir: string, settings: ReadonlyMap<string, string>): boolean {
  const configured = settings.get('core.hookspath');
  let dir = join(commonDir, 'hooks');
  if (configured !== undefined && configured !== '') {
    if (configured.startsWith('~/')) dir = join(gitEnv().HOME ?? homedir(), configured.slice(2));
    else if (configured.startsWith('~'))
      return true; // ~user: let git expand it
    else dir = isAbsolute(configured) ? configured : resolve(worktree, configured);
  }
  return COMMIT_HOOKS.some((hook) => {
    try {
      accessSync(join(dir, hook), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The message as `git commit` stores it without an editor (`strbuf_stripspace` without
 * comments): trailing whitespace of each line removed, runs of empty lines made one, empty
 * lines at the start and end dropped, one final newline.
 */
export function stripSpace(message: string): string {
  const lines: string[] = [];
  let gap = false;
  for (const raw of message.split('\n')) {
    const line = raw.replace(/[ \t\n\r]+$/, '');
    if (line === '') {
      gap = lines.length > 0;
      continue;
    }
    if (gap) lines.push('');
    gap = false;
    lines.push(line);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** The long-lived git processes that write one repository's task commits. */
interface RepositoryWriters {
  commits: CommitWriter;
  trees: TreeWriter;
  refs: RefTransactions;
  /** The environment and config file they were started with: a change starts new ones. */
  env: NodeJS.ProcessEnv;
  configStamp: string;
}

const writersByRepository = new Map<string, RepositoryWriters>();
let closingAtExit = false;

function repositoryWriters(commonDir: string): RepositoryWriters {
  const env = gitBaseEnv();
  const configStamp = stampOf(join(commonDir, 'config'));
  const known = writersByRepository.get(commonDir);
  if (known && known.env === env && known.configStamp === configStamp) return known;
  if (known) void closeWriters(known);
  // Started in the common git folder: it stays while worktrees come and go.
  const writers: RepositoryWriters = {
    commits: new CommitWriter(commonDir, { unrefWhenIdle: true }),
    trees: new TreeWriter(commonDir, { unrefWhenIdle: true }),
    refs: new RefTransactions(commonDir, 'milestone: task commit', true),
    env,
    configStamp,
  };
  writersByRepository.set(commonDir, writers);
  if (!closingAtExit) {
    closingAtExit = true;
    process.once('beforeExit', () => {
      closingAtExit = false;
      void closeIndexCommitWriters();
    });
  }
  return writers;
}

/** A config file's size and modification time: a hook path or setting changed by an agent is seen. */
function stampOf(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'none';
  }
}

function closeWriters(writers: RepositoryWriters): Promise<unknown> {
  return Promise.all([writers.commits.close(), writers.trees.close(), writers.refs.close()]);
}

/**
 * Ends the long-lived processes of {@link commitIndex} (they also end at `beforeExit`, so the
 * program reaps them and their CPU counts in its own).
 */
export async function closeIndexCommitWriters(): Promise<void> {
  const all = [...writersByRepository.values()];
  writersByRepository.clear();
  await Promise.all(all.map(closeWriters));
}
