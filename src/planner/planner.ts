import { join } from 'node:path';
import type { AgentAdapter, AgentEvent, AgentRequest, AgentResult } from '../agents/adapter.js';
import type { Usage } from '../core/events.js';
import type { Plan } from '../core/types.js';
import { addUsage } from '../core/usage.js';
import { EXIT, ExitError, InternalError } from '../errors.js';
import { slugify } from '../plan/slug.js';
import { appendLogLine } from '../process/log-file.js';
import type { Deliverable } from './deliverables.js';
import { buildPlannerPrompt } from './prompt.js';
import { readPlannerReply } from './reply.js';
import type { RepoContext } from './repo-context.js';

/** What {@link planWithAgent} needs. */
export interface PlanWithAgentOptions {
  /** The planner agent. */
  adapter: AgentAdapter;
  /** The milestone's title; wins over the agent's. */
  title: string;
  /** The milestone's id; wins over the agent's. Default: a slug of the title. */
  id?: string;
  /** What the milestone is about, for the prompt; wins over the agent's. */
  description?: string;
  /** The repository overview for the prompt. */
  context: RepoContext;
  /** The repository's root: the agent runs there, read-only. */
  repoRoot: string;
  /** Attempts before giving up (at least 1). */
  maxAttempts: number;
  /** Time limit of one attempt. */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL when an attempt is stopped. */
  graceMs?: number;
  /** Stops the planner's process tree; planning then ends with exit 130. */
  signal: AbortSignal;
  /** Where `planner-attempt-<n>.log` files go. */
  logDir: string;
  /** `defaults.agent` of the plan when the answer names none; default: the planner's own agent. */
  taskAgent?: string;
  /** Told about each attempt as it starts and ends, for a person watching. */
  onAttempt?: (note: AttemptNote) => void;
}

/** What a person watching is told about one attempt. */
export type AttemptNote =
  | { type: 'started'; attempt: number; maxAttempts: number; logFile: string }
  | { type: 'rejected'; attempt: number; problems: string[]; willRetry: boolean };

/** A plan an agent wrote that passed every check. */
export interface PlannerOutcome {
  plan: Plan;
  /** Design and spec documents to write under `.milestones/<id>/`. */
  deliverables: Deliverable[];
  /** Attempts it took (1 = the first answer was valid). */
  attempts: number;
  /** Summed over attempts; a figure no attempt reported stays `null` (unknown, not zero). */
  usage: Usage;
  /** One log per attempt, in order. */
  logFiles: string[];
}

/**
 * Asks `adapter` to plan the milestone, read-only in the repository root, and validates its
 * answer like a plan file. An invalid answer is retried with its problems (and the answer) in
 * the prompt, at most `maxAttempts` times in all; then, or when the agent fails in a way a
 * retry cannot fix, an {@link ExitError} (exit 1) lists the last problems and the logs.
 */
export async function planWithAgent(options: PlanWithAgentOptions): Promise<PlannerOutcome> {
  const { adapter, title, signal } = options;
  if (options.maxAttempts < 1) throw new InternalError('planner maxAttempts must be at least 1');
  const id = options.id ?? slugify(title);
  const logFiles: string[] = [];
  let usage: Usage = { inputTokens: null, outputTokens: null, costUsd: null };
  let previous: { answer: string | null; problems: string[] } | undefined;
  let problems: string[] = [];

  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    const logFile = join(options.logDir, `planner-attempt-${attempt}.log`);
    logFiles.push(logFile);
    options.onAttempt?.({ type: 'started', attempt, maxAttempts: options.maxAttempts, logFile });
    const prompt = buildPlannerPrompt({
      title,
      id,
      context: options.context,
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(previous === undefined ? {} : { previous }),
    });
    const request: AgentRequest = {
      milestoneId: id,
      task: { id: 'planner', title: `Plan the milestone: ${title}`, phase: 'design', files: [] },
      worktree: options.repoRoot,
      attempt,
      logFile,
      timeoutMs: options.timeoutMs,
      ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
      fullPrompt: prompt,
      readOnly: true,
    };
    const result = await lastResult(adapter.run(request, signal));
    usage = addUsage(usage, result.usage);
    if (result.canceled || signal.aborted) {
      throw new ExitError(
        'MILESTONE_INTERRUPTED',
        'planning interrupted; nothing was stored',
        EXIT.interrupted,
      );
    }

    if (!result.ok) {
      problems = [`the ${adapter.name} run failed: ${result.error ?? result.summary}`];
      logNote(logFile, 'planner run failed', problems);
      const willRetry = result.retryable && attempt < options.maxAttempts;
      options.onAttempt?.({ type: 'rejected', attempt, problems, willRetry });
      if (!result.retryable) break;
      continue;
    }
    const answer = result.output ?? '';
    const reply = readPlannerReply(answer, {
      title,
      id,
      taskAgent: options.taskAgent ?? adapter.name,
      ...(options.description === undefined ? {} : { description: options.description }),
    });
    if (reply.plan) {
      logNote(logFile, 'planner answer accepted', []);
      return { plan: reply.plan, deliverables: reply.deliverables, attempts: attempt, usage, logFiles };
    }
    problems = reply.problems;
    logNote(logFile, 'planner answer rejected', problems);
    options.onAttempt?.({
      type: 'rejected',
      attempt,
      problems,
      willRetry: attempt < options.maxAttempts,
    });
    previous = { answer: result.output ?? null, problems };
  }

  throw new ExitError(
    'MILESTONE_PLANNER_FAILED',
    [
      `the planner (${adapter.name}) gave no valid plan in ${logFiles.length} attempt${logFiles.length === 1 ? '' : 's'}; the last problems:`,
      ...problems.map((p) => `  - ${p}`),
      `logs: ${logFiles.join(', ')}`,
      'write a plan file yourself and run `milestone plan --from FILE`, or try again (--max-attempts N, --planner NAME)',
    ].join('\n'),
  );
}

/** Runs the agent to its end; the `result` event always comes last and exactly once. */
async function lastResult(events: AsyncIterable<AgentEvent>): Promise<AgentResult> {
  let result: AgentResult | undefined;
  for await (const event of events) if (event.type === 'result') result = event.result;
  if (!result) throw new InternalError('agent run ended without a result event');
  return result;
}

/** The verdict on an attempt, in its log, so the log alone explains what happened. */
function logNote(logFile: string, verdict: string, problems: string[]): void {
  try {
    appendLogLine(logFile, `--- milestone: ${verdict} ---`);
    for (const problem of problems) appendLogLine(logFile, `  - ${problem}`);
  } catch {
    // The log is for people; an unwritable one must not hide the planner's outcome.
  }
}
