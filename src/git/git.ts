/**
 * The one git module: every git operation milestone performs, with the repository chosen by an
 * explicit `cwd`, branch names and revisions checked before git runs, and failures thrown as
 * {@link GitError}. Split by concern into the files re-exported here.
 */
export { commitTree, trailerValues } from './commit.js';
export { GitError } from './git-error.js';
export type { GitExecOptions, GitExecResult } from './git-exec.js';
export { gitEnv, gitExec } from './git-exec.js';
export { gitDirOf, headCommit, indexWrittenAt } from './head.js';
export { FALLBACK_IDENTITY, identityArgs } from './identity.js';
export type { MergeIntoResult, MergeTreeResult } from './merge.js';
export { mergeInto, mergeTree } from './merge.js';
export type { PushResult } from './push.js';
export { pushBranch } from './push.js';
export {
  assertBranchName,
  assertRevision,
  branchNameProblem,
  milestoneBranch,
  taskBranch,
} from './ref-names.js';
export { branchExists, createBranch, deleteBranch, revParse, updateRefCas } from './refs.js';
export { currentBranch, lsFiles, mainWorktreeRoot, repoRoot } from './repo.js';
export type { WorktreeInfo } from './worktree.js';
export { listWorktrees, pruneWorktrees, removeWorktree } from './worktree.js';
