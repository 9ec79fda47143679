import { realpathSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { listWorktrees } from '../git/git.js';

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Refuses to run when a person has the milestone branch checked out in the main worktree or a
 * linked one. The engine moves the branch with `update-ref`, which does not touch that working
 * tree: it would be left at the old commit with the new work showing as staged reversals, so a
 * `git commit -a` there would undo the milestone's work. `engineDir` holds milestone's own
 * worktrees (never on the milestone branch, but not the person's either).
 */
export async function checkMilestoneBranchFree(input: {
  repoRoot: string;
  branch: string;
  base: string;
  milestoneId: string;
  engineDir: string;
}): Promise<void> {
  const engineDir = `${canonical(input.engineDir)}/`;
  const holders = (await listWorktrees(input.repoRoot)).filter(
    (w) => w.branch === input.branch && !w.prunable && !`${canonical(w.path)}/`.startsWith(engineDir),
  );
  const holder = holders[0];
  if (!holder) return;
  throw new UsageError(
    'MILESTONE_BRANCH_CHECKED_OUT',
    `${input.branch} is checked out in ${holder.path}; execute moves that branch and would leave ` +
      `that working tree behind it. Switch it away first (\`git -C ${holder.path} switch ${input.base}\`, ` +
      `or \`git -C ${holder.path} switch --detach\` to keep looking at the files), ` +
      `then run \`milestone execute ${input.milestoneId}\` again. Nothing was changed.`,
  );
}
