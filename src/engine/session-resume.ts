import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StoredEvent } from '../core/events.js';
import { gitExec } from '../git/git.js';
import { repoWorktreeDir } from './naming.js';

/**
 * A task's worktree kept after an interruption so its agent session can continue there: the
 * `outcome` events `resume_kept` (kept, with the session), `resume_used` (the next attempt took
 * it: never again) and `resume_dropped` (unusable, removed) say where it stands.
 */
export interface KeptSession {
  path: string;
  sessionId: string;
  agent: string;
}

/**
 * Where an interrupted task's worktree is kept for resuming: beside the milestone's worktree
 * folder, not in it, so the start-of-run cleanup of leftover worktrees leaves it alone.
 */
export function resumeWorktreePath(
  worktreeRoot: string,
  repoRoot: string,
  milestoneId: string,
  taskId: string,
): string {
  const dir = repoWorktreeDir(worktreeRoot, repoRoot, milestoneId);
  return join(dirname(dir), `${milestoneId}.resume`, taskId);
}

/** The task's kept session, if one is kept and not yet used or dropped. Pure. */
export function keptSession(events: StoredEvent[], taskId: string): KeptSession | null {
  let kept: KeptSession | null = null;
  for (const event of events) {
    if (event.type !== 'outcome' || event.taskId !== taskId) continue;
    if (event.step === 'resume_kept') {
      const { path, sessionId, agent } = event.detail ?? {};
      kept =
        typeof path === 'string' && typeof sessionId === 'string' && typeof agent === 'string'
          ? { path, sessionId, agent }
          : null;
    } else if (event.step === 'resume_used' || event.step === 'resume_dropped') {
      kept = null;
    }
  }
  return kept;
}

/** Whether the kept worktree is still there, on the task's branch: else a fresh start is safer. */
export async function keptWorktreeIntact(path: string, branch: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const head = await gitExec(path, ['symbolic-ref', '-q', 'HEAD'], { allowExitCodes: [1, 128] });
  return head.exitCode === 0 && head.stdout.trim() === `refs/heads/${branch}`;
}
