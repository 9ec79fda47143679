import { gitExec } from './git-exec.js';
import { gitDirOf, headCommit } from './head.js';
import { identityArgs } from './identity.js';
import { loadIndex } from './index-cache.js';
import { type IndexSnapshot, indexTree } from './index-file.js';
import {
  commonDirOf,
  headBranch,
  type RepositoryWriters,
  repositoryWriters,
  runsHook,
} from './repository-writers.js';

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Hooks `git commit --no-verify` still runs (pre-commit and commit-msg are skipped by
 * `--no-verify`; post-index-change because commit writes the index).
 */
const COMMIT_HOOKS = ['prepare-commit-msg', 'post-commit', 'post-index-change'];

/**
 * Why a commit was left to `git commit` (counted per reason for tests and debugging):
 * `disabled` (`MILESTONE_TASK_COMMIT=git`: a comparison, a way out), `head` (HEAD not on a
 * branch), `settings`, `hook`, `index` (an index this reader leaves to git), `tree` (a reused
 * tree missing), `moved` (the branch was not at the parent), `error` (a long-lived process failed).
 */
export type IndexCommitFallback =
  | 'disabled'
  | 'head'
  | 'settings'
  | 'hook'
  | 'index'
  | 'tree'
  | 'moved'
  | 'error';

/**
 * How many task commits went each way in this process (tests, and `MILESTONE_DEBUG=1` after a
 * run: engine/git-work-counts.ts).
 */
export const indexCommitCounts: { written: number; fallbacks: Partial<Record<IndexCommitFallback, number>> } =
  {
    written: 0,
    fallbacks: {},
  };

/**
 * Commits everything staged in `worktree` (`git commit -q --allow-empty --no-verify -F -`) on
 * top of `parent` (its HEAD, read by the caller; null when unknown) and returns the commit: by
 * {@link commitIndex} when it can, else by `git commit` itself.
 */
export async function commitWorktree(
  worktree: string,
  parent: string | null,
  message: string,
): Promise<string> {
  const written = parent === null ? null : await commitIndex(worktree, parent, message);
  if (written !== null) return written;
  const identity = await identityArgs(worktree);
  // No automatic maintenance after each of thousands of task commits: the run does it once.
  await gitExec(
    worktree,
    [...identity, '-c', 'maintenance.auto=false', 'commit', '-q', '--allow-empty', '--no-verify', '-F', '-'],
    { input: message },
  );
  return headCommit(worktree);
}

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
  if (runsHook(worktree, commonDir, settings, COMMIT_HOOKS)) return { fallback: 'hook' };
  const loaded = loadIndex(gitDir, parent.length / 2);
  if ('problem' in loaded) return { fallback: 'index' };
  const tree = await treeOf(loaded.index, writers);
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

/** No setting that makes `git commit` write something else than a plain commit of the index. */
function plainCommitSettings(settings: ReadonlyMap<string, string>): boolean {
  const cleanup = settings.get('commit.cleanup')?.toLowerCase();
  // Per-worktree config (config.worktree) could say otherwise than the repository's.
  if (/^(true|yes|on|1)$/i.test(settings.get('extensions.worktreeconfig') ?? '')) return false;
  return cleanup === undefined || cleanup === 'default' || cleanup === 'whitespace';
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
