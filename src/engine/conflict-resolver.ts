import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentAdapter, AgentEvent } from '../agents/adapter.js';
import type { Usage } from '../core/events.js';
import type { TaskSpec } from '../core/types.js';
import { gitExec, identityArgs } from '../git/git.js';
import { redactSecrets } from '../process/redact-secrets.js';
import { runProcess } from '../process/run-process.js';
import { trailerBlock } from './landing.js';
import { TRAILER } from './naming.js';

/** Lines git writes around a conflict; none may remain after a resolution. */
const MARKER = /^(<{7}|={7}|>{7})(\s|$)/m;

/** How a resolution went. */
export interface Resolution {
  ok: boolean;
  reason: string | null;
  usage: Usage;
}

/** The instructions the resolver agent gets. */
export function resolverPrompt(
  task: TaskSpec,
  milestoneBranch: string,
  files: string[],
  verify: string | undefined,
): string {
  return [
    `You are the git operator of a milestone. Merging branch ${milestoneBranch} into the work of task "${task.id}" (${task.title}) conflicted.`,
    `The merge is in progress in this directory; these files contain conflict markers: ${files.join(', ')}.`,
    "Resolve every conflict so that BOTH sides' intent is kept: never drop the other side's change to make yours fit.",
    'Remove all conflict markers (<<<<<<<, =======, >>>>>>>). Do not commit, do not run git merge --abort, do not touch other files.',
    task.prompt ? `The task's own instructions were:\n${task.prompt}` : '',
    verify ? `Afterwards \`${verify}\` must pass.` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/**
 * The git-operator role: re-creates the conflict in the task's worktree (merging the milestone
 * branch into the task branch), asks the agent to resolve it, then checks that no conflict
 * marker and no unmerged path remains and that the task's `verify` passes before committing the
 * merge. On any failure the worktree is put back as it was and the conflict stands.
 */
export async function resolveConflict(input: {
  worktree: string;
  milestoneId: string;
  /** More trailers for the resolution commit (the plan lineage, `Milestone-Run:`). */
  trailers?: Record<string, string>;
  milestoneBranch: string;
  task: TaskSpec;
  files: string[];
  verify: string | undefined;
  adapter: AgentAdapter;
  attempt: number;
  logFile: string;
  timeoutMs: number;
  graceMs: number;
  signal: AbortSignal;
  onAgentEvent: (event: AgentEvent) => void;
}): Promise<Resolution> {
  const { worktree } = input;
  const unknown: Usage = { inputTokens: null, outputTokens: null, costUsd: null };
  const before = (await gitExec(worktree, ['rev-parse', 'HEAD'])).stdout.trim();
  const undo = async (reason: string, usage: Usage): Promise<Resolution> => {
    await gitExec(worktree, ['merge', '--abort'], { allowExitCodes: [128] });
    await gitExec(worktree, ['reset', '--hard', '-q', before]);
    await gitExec(worktree, ['clean', '-ffdq']);
    return { ok: false, reason, usage };
  };
  const identity = await identityArgs(worktree);
  const merge = await gitExec(
    worktree,
    [...identity, 'merge', '--no-ff', '--no-commit', '-q', `refs/heads/${input.milestoneBranch}`],
    {
      allowExitCodes: [1],
    },
  );
  if (merge.exitCode === 0) return undo('the merge did not conflict in the worktree', unknown);

  let usage = unknown;
  let ok = false;
  let why = 'the resolver agent gave no result';
  for await (const event of input.adapter.run(
    {
      milestoneId: input.milestoneId,
      task: {
        id: input.task.id,
        title: `Resolve the merge conflict of ${input.task.id}`,
        phase: input.task.phase,
        prompt: resolverPrompt(input.task, input.milestoneBranch, input.files, input.verify),
        files: input.files,
        ...(input.verify !== undefined && { verify: input.verify }),
      },
      worktree,
      attempt: input.attempt,
      logFile: input.logFile,
      timeoutMs: input.timeoutMs,
      graceMs: input.graceMs,
    },
    input.signal,
  )) {
    input.onAgentEvent(event);
    if (event.type === 'result') {
      usage = event.result.usage;
      ok = event.result.ok;
      why = event.result.error ?? `the resolver agent exited with ${event.result.exitCode}`;
    }
  }
  if (!ok) return undo(`resolver failed: ${why}`, usage);
  const marked = input.files.filter((file) => {
    try {
      return MARKER.test(readFileSync(join(worktree, file), 'utf8'));
    } catch {
      return false;
    }
  });
  if (marked.length) return undo(`conflict markers remain in ${marked.join(', ')}`, usage);
  await gitExec(worktree, ['add', '-A']);
  const unmerged = (await gitExec(worktree, ['diff', '--name-only', '-z', '--diff-filter=U'])).stdout
    .split('\0')
    .filter(Boolean);
  if (unmerged.length) return undo(`unmerged paths remain: ${unmerged.join(', ')}`, usage);
  if (input.verify) {
    const verify = await runProcess({
      file: input.verify,
      args: [],
      shell: true,
      cwd: worktree,
      timeoutMs: input.timeoutMs,
      signal: input.signal,
      logFile: input.logFile,
    });
    if (verify.exitCode !== 0)
      return undo(
        redactSecrets(
          `verify \`${input.verify}\` failed after the resolution (exit ${verify.exitCode ?? verify.signal})`,
        ),
        usage,
      );
  }
  const message = `Resolve conflict of task ${input.task.id} with ${input.milestoneBranch}\n\n${trailerBlock({
    [TRAILER.milestone]: input.milestoneId,
    [TRAILER.task]: input.task.id,
    ...input.trailers,
    'Resolved-By': input.adapter.name,
  })}\n`;
  await gitExec(worktree, [...identity, 'commit', '-q', '--no-verify', '-F', '-'], { input: message });
  return { ok: true, reason: null, usage };
}
