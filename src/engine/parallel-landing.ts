import type { AgentAdapter } from '../agents/adapter.js';
import type { TaskSpec } from '../core/types.js';
import { branchExists, deleteBranch, removeWorktree } from '../git/git.js';
import { resolveConflict } from './conflict-resolver.js';
import { checkHandResolution } from './hand-resolution.js';
import type { LandingSource } from './lander.js';
import { attemptLogPath, runTrailer, taskBranch, taskWorktreePath } from './naming.js';
import type { RunHost } from './run-host.js';
import { type TaskLimits, taskLimits } from './task-run.js';

/**
 * How a landing ended: on the milestone branch, or conflicted with the task's worktree kept at
 * `worktree` for a person (`reason`: why their resolution was refused).
 */
export type BranchLanding =
  | { landed: true }
  | { landed: false; files: string[]; worktree: string; reason?: string; attempt?: number };

/**
 * Parallel landing: the merge queue; on a conflict the resolver agent (when configured) gets
 * one try in the task's worktree; if the conflict stands, the worktree is kept for a person.
 */
export async function landParallel(
  host: RunHost,
  input: {
    task: TaskSpec;
    slot: string;
    branch: string;
    attempt: number;
    limits: TaskLimits;
    source: LandingSource;
    /** What stops the resolver agent. */
    signal: () => AbortSignal;
  },
): Promise<BranchLanding> {
  const { task, slot, branch, attempt } = input;
  let merged = await host.lander.land(task, branch, attempt, input.source);
  if ('conflicts' in merged && host.resolver && host.dispatching()) {
    const adapter = host.adapters.get(host.resolver);
    if (adapter && (host.available?.has(host.resolver) ?? true)) {
      const resolved = await tryResolver(host, {
        ...input,
        signal: input.signal(),
        agent: host.resolver,
        adapter,
        files: merged.conflicts,
      });
      if (resolved) merged = await host.lander.land(task, branch, attempt, {});
    }
  }
  if ('conflicts' in merged) {
    // The worktree stays, on the task's branch, where the report tells a person to resolve it.
    const keepAt = taskWorktreePath(host.worktreeRoot, host.repoRoot, host.milestoneId, task.id);
    await host.pool.retire(slot, keepAt);
    return { landed: false, files: merged.conflicts, worktree: keepAt };
  }
  host.lander.landed(task, merged.commit, attempt);
  host.integration.landed(task);
  await host.pool.release(slot, { committed: true });
  return { landed: true };
}

/** The resolver agent's one try at a conflict, recorded; true when it resolved it. */
async function tryResolver(
  host: RunHost,
  input: {
    task: TaskSpec;
    slot: string;
    attempt: number;
    limits: TaskLimits;
    signal: AbortSignal;
    /** The resolver's name in config and its adapter. */
    agent: string;
    adapter: AgentAdapter;
    files: string[];
  },
): Promise<boolean> {
  const { task, attempt, files, agent } = input;
  host.record({ type: 'intent', step: 'resolve', taskId: task.id, detail: { agent, files } });
  const resolution = await resolveConflict({
    worktree: input.slot,
    milestoneId: host.milestoneId,
    trailers: runTrailer(host.state().runId),
    milestoneBranch: host.branch,
    task,
    files,
    verify: input.limits.verify,
    adapter: input.adapter,
    attempt,
    logFile: attemptLogPath(host.storeDir, host.milestoneId, task.id, attempt).replace(
      /\.log$/,
      '-resolve.log',
    ),
    timeoutMs: input.limits.timeoutMs,
    graceMs: host.graceMs,
    signal: input.signal,
    onAgentEvent: (event) => {
      if (event.type === 'progress')
        host.reporter.onLive?.({
          type: 'agent_progress',
          taskId: task.id,
          message: `resolver: ${event.message}`,
        });
    },
  });
  const usage = resolution.usage;
  if (usage.inputTokens !== null || usage.costUsd !== null || usage.outputTokens !== null) {
    host.record({ type: 'task_usage', taskId: task.id, attempt, usage });
  }
  host.record({
    type: 'outcome',
    step: 'resolve',
    taskId: task.id,
    ok: resolution.ok,
    detail: { agent, files, reason: resolution.reason },
  });
  if (!resolution.ok)
    host.reporter.onLive?.({
      type: 'note',
      level: 'warn',
      message: `${task.id}: the resolver could not resolve the conflict: ${resolution.reason}`,
    });
  return resolution.ok;
}

/**
 * A task that conflicted last time keeps its branch; a person resolves the conflict there.
 * Their resolution passes the same checks as any attempt before it lands (see
 * `checkHandResolution`); a refused one stays conflicted with the reason. Null when the task
 * has no such resolution to check (it did not conflict, or its branch is gone).
 */
export async function landHandResolved(
  host: RunHost,
  input: { task: TaskSpec; signal: AbortSignal },
): Promise<BranchLanding | null> {
  const { repoRoot, worktreeRoot, milestoneId: id } = host;
  const { task } = input;
  const branch = taskBranch(id, task.id);
  const known = host.state().tasks[task.id]!;
  if (known.status !== 'conflicted' || !(await branchExists(repoRoot, branch))) return null;
  const path = taskWorktreePath(worktreeRoot, repoRoot, id, task.id);
  const attempt = known.attempts + 1;
  const log = attemptLogPath(host.storeDir, id, task.id, attempt);
  const limits = taskLimits(task, host.state().plan.defaults);
  // The status stays `conflicted` during the check: a crash here must keep the person's work.
  host.record({ type: 'intent', step: 'hand_resolution', taskId: task.id, detail: { attempt, log } });
  host.reporter.onLive?.({
    type: 'note',
    level: 'info',
    message: `${task.id}: checking the hand-resolved conflict (log: ${log})`,
  });
  const check = await checkHandResolution({
    repoRoot,
    worktree: path,
    milestoneId: id,
    milestoneHead: await host.lander.currentHead(),
    taskBranch: branch,
    task,
    verify: limits.verify,
    timeoutMs: limits.timeoutMs,
    graceMs: host.graceMs,
    signal: input.signal,
    logFile: log,
  });
  host.record({
    type: 'outcome',
    step: 'hand_resolution',
    taskId: task.id,
    ok: check.ok,
    detail: { attempt, ...(!check.ok && { reason: check.reason, files: check.files }) },
  });
  if (!check.ok)
    return {
      landed: false,
      files: check.files,
      worktree: path,
      reason: `${check.reason} (log: ${log})`,
      attempt,
    };
  const merged = await host.lander.land(task, branch, attempt, {});
  if ('conflicts' in merged) return { landed: false, files: merged.conflicts, worktree: path, attempt };
  host.lander.landed(task, merged.commit, attempt);
  host.integration.landed(task);
  await removeWorktree(repoRoot, path);
  await deleteBranch(repoRoot, branch, { force: true }).catch(() => undefined);
  return { landed: true };
}
