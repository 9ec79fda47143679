import { z } from 'zod';
import type { Usage } from '../core/events.js';
import type { Phase } from '../core/types.js';
import { addUsage } from '../core/usage.js';
import type { AgentRequest } from './adapter.js';

/**
 * The request document an `exec` agent reads on stdin (docs/contract.md, "The exec agent protocol").
 * `title` and `verify` are additions; absent optional fields are `null`, never missing, except
 * `readOnly`, sent only when true (planner runs). A `fullPrompt` request sends it as `prompt`.
 */
export interface ExecAgentInput {
  milestone: string;
  task: string;
  title: string;
  phase: Phase;
  prompt: string | null;
  run: string | null;
  files: string[];
  verify: string | null;
  worktree: string;
  attempt: number;
  /** Present (true) only when the agent must change nothing (the planner); see `AgentRequest.readOnly`. */
  readOnly?: true;
}

/** Builds the stdin document for one attempt. */
export function execAgentInput(request: AgentRequest): ExecAgentInput {
  const { task } = request;
  return {
    milestone: request.milestoneId,
    task: task.id,
    title: task.title,
    phase: task.phase,
    prompt: request.fullPrompt ?? task.prompt ?? null,
    run: task.run ?? null,
    files: task.files,
    verify: task.verify ?? null,
    worktree: request.worktree,
    attempt: request.attempt,
    ...(request.readOnly ? { readOnly: true as const } : {}),
  };
}

const count = z.number().nonnegative().nullable().optional();

/** Known event lines; extra fields are allowed so the protocol can grow. */
const eventSchemas = {
  progress: z.looseObject({ type: z.literal('progress'), message: z.string() }),
  usage: z.looseObject({ type: z.literal('usage'), inputTokens: count, outputTokens: count, costUsd: count }),
  session: z.looseObject({ type: z.literal('session'), sessionId: z.string().min(1) }),
  result: z.looseObject({
    type: z.literal('result'),
    ok: z.boolean(),
    summary: z.string().optional(),
    /** The agent's final answer in full (the planner reads its JSON here). */
    output: z.string().optional(),
    error: z.string().optional(),
    retryable: z.boolean().optional(),
  }),
};

/** One event an `exec` agent printed. */
export type ExecEvent = {
  [K in keyof typeof eventSchemas]: z.infer<(typeof eventSchemas)[K]>;
}[keyof typeof eventSchemas];

/** How one stdout line reads. */
export type ExecLine =
  | { kind: 'event'; event: ExecEvent }
  /** Not JSON: plain text for humans. */
  | { kind: 'text'; text: string }
  /** JSON of an unknown type: ignored (it is in the log), so newer agents work with older milestones. */
  | { kind: 'unknown' }
  /** A known event type with bad fields. */
  | { kind: 'invalid'; problem: string };

/** Reads one line of an `exec` agent's stdout. */
export function parseExecLine(line: string): ExecLine {
  const text = line.trim();
  if (!text.startsWith('{')) return { kind: 'text', text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'text', text };
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(eventSchemas, type)) return { kind: 'unknown' };
  const parsed = eventSchemas[type as keyof typeof eventSchemas].safeParse(value);
  if (parsed.success) return { kind: 'event', event: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    kind: 'invalid',
    problem: `${type} event: ${issue?.path.join('.') || 'line'}: ${issue?.message ?? 'invalid'}`,
  };
}

/** Adds a usage report to the running total; an unknown (`null`) figure stays unknown until reported. */
export function addUsageEvent(total: Usage, event: Extract<ExecEvent, { type: 'usage' }>): Usage {
  return addUsage(total, {
    inputTokens: event.inputTokens ?? null,
    outputTokens: event.outputTokens ?? null,
    costUsd: event.costUsd ?? null,
  });
}
