/**
 * The `MILESTONE_*` variables every step of a task gets (setup, the agent or `run`, verify):
 * where the repository and the worktree are, which slot (a small integer, for ports and
 * database names), which milestone, task, phase and attempt.
 */
export function stepEnv(input: {
  repoRoot: string;
  milestoneId: string;
  taskId: string;
  phase: string;
  attempt: number;
  worktree?: string;
  slot?: number;
}): Record<string, string> {
  return {
    MILESTONE_REPO_ROOT: input.repoRoot,
    MILESTONE_ID: input.milestoneId,
    MILESTONE_TASK_ID: input.taskId,
    MILESTONE_PHASE: input.phase,
    MILESTONE_ATTEMPT: String(input.attempt),
    ...(input.worktree !== undefined && { MILESTONE_WORKTREE: input.worktree }),
    ...(input.slot !== undefined && { MILESTONE_SLOT: String(input.slot) }),
  };
}
