import type { AttemptOutcome } from './task-attempt.js';

/** How many of the failing output's last lines a failure line carries. */
const TAIL_LINES = 3;

/** The hint for exit 127: the shell could not find a command, usually a missing dependency. */
export const COMMAND_NOT_FOUND_HINT =
  'command not found: are dependencies installed in the worktree? see worktrees.link / worktrees.setup';

/**
 * The end of a failure line: the last lines of the failing output (`; last output: a | b`),
 * and for exit 127 a hint about dependencies. Empty when there is nothing to add.
 */
export function failureTail(exitCode: number | null, output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-TAIL_LINES)
    .map((line) => (line.length > 160 ? `${line.slice(0, 159)}…` : line));
  const parts = [];
  if (lines.length > 0) parts.push(`last output: ${lines.join(' | ')}`);
  if (exitCode === 127) parts.push(COMMAND_NOT_FOUND_HINT);
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/**
 * The end of the line of a task interrupted while its attempt was queued: its job goes on
 * running on the worker and the next `execute` takes it over (no session is resumed here: the
 * local worktree holds none of it), or the job was withdrawn and the next `execute` queues the
 * task again. Empty when the attempt did not reach the queue.
 */
export function remoteInterruptNote(ranOn: NonNullable<AttemptOutcome['ranOn']>): string {
  if (!ranOn.left) return '';
  const { job, running } = ranOn.left;
  if (!running)
    return `; its job ${job} left the queue before a worker took it: the next execute queues it again`;
  return `; its job ${job} goes on running on ${ranOn.worker ? `worker ${ranOn.worker}` : 'its worker'}: the next execute takes it over`;
}

/**
 * The end of the failure line of a task whose last attempt ran on a queue worker: where its work
 * is (an attempt branch on the remote), or that none was kept (the worker discards a failed
 * attempt's changes); empty when no worker is known to have run it. Never the local task branch:
 * nothing of a remote attempt is in it.
 */
export function remoteWorkNote(ranOn: { worker: string | null; workAt: string | null }): string {
  if (ranOn.workAt) return `; work kept on ${ranOn.workAt}`;
  if (ranOn.worker)
    return `; no work kept: it ran on worker ${ranOn.worker}, which keeps none of a failed attempt`;
  return '';
}
