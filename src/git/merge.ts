import { commitTree } from './commit.js';
import { GitError } from './git-error.js';
import { gitExec } from './git-exec.js';
import { assertBranchName, assertRevision } from './ref-names.js';
import { revParse, updateRefCas } from './refs.js';

/** What merging two commits would give, computed without touching any worktree or index. */
export type MergeTreeResult =
  | { clean: true; tree: string }
  /** `tree` holds conflict markers; `conflicts` are the paths that conflict, each once. */
  | { clean: false; tree: string; conflicts: string[] };

/** The outcome of {@link mergeInto}. */
export type MergeIntoResult =
  /** `alreadyMerged`: the source was already part of the target; nothing was written. */
  { merged: true; commit: string; alreadyMerged: boolean } | { merged: false; conflicts: string[] };

/** Merges `theirs` into `ours` in memory (`git merge-tree --write-tree`). */
export async function mergeTree(cwd: string, ours: string, theirs: string): Promise<MergeTreeResult> {
  assertRevision(ours, 'ours');
  assertRevision(theirs, 'theirs');
  const { stdout, exitCode } = await gitExec(
    cwd,
    ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', ours, theirs],
    { allowExitCodes: [1] },
  );
  const [tree = '', ...paths] = stdout.split('\0');
  if (exitCode === 0) return { clean: true, tree };
  return { clean: false, tree, conflicts: [...new Set(paths.filter((path) => path !== ''))] };
}

/**
 * Merges `source` into branch `target` with a two-parent merge commit, never checking the target
 * out: merge-tree first (a conflict leaves nothing to clean up), then commit-tree, then a
 * compare-and-swap of the branch. If another writer moved the branch in between, it retries
 * once on the new head. A source already contained in the target is a no-op.
 */
export async function mergeInto(
  cwd: string,
  options: { target: string; source: string; message: string },
): Promise<MergeIntoResult> {
  const target = assertBranchName(options.target, 'target branch');
  const sourceSha = await resolveCommit(cwd, assertRevision(options.source, 'source'));
  for (let attempt = 1; ; attempt++) {
    const head = await resolveCommit(cwd, `refs/heads/${target}`);
    const contained = await gitExec(cwd, ['merge-base', '--is-ancestor', sourceSha, head], {
      allowExitCodes: [1],
    });
    if (contained.exitCode === 0) return { merged: true, commit: head, alreadyMerged: true };
    const merge = await mergeTree(cwd, head, sourceSha);
    if (!merge.clean) return { merged: false, conflicts: merge.conflicts };
    const commit = await commitTree(cwd, merge.tree, [head, sourceSha], options.message);
    if (await updateRefCas(cwd, target, commit, head, `milestone: merge ${options.source}`)) {
      return { merged: true, commit, alreadyMerged: false };
    }
    if (attempt === 2) {
      const args = ['update-ref', `refs/heads/${target}`, commit, head];
      throw new GitError(
        `branch ${target} moved during the merge of ${options.source} twice; giving up`,
        args,
        cwd,
        null,
        '',
      );
    }
  }
}

async function resolveCommit(cwd: string, rev: string): Promise<string> {
  const sha = await revParse(cwd, `${rev}^{commit}`);
  if (sha === null) {
    const args = ['rev-parse', '--verify', `${rev}^{commit}`];
    throw new GitError(`${rev} does not name a commit in ${cwd}`, args, cwd, 1, '');
  }
  return sha;
}
