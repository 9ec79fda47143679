import type { AttemptOutcome } from './task-attempt.js';

/** What the policy needs to know about a failed attempt and the run around it. Plain data. */
export interface FailedAttempt {
  outcome: Pick<AttemptOutcome, 'canceled' | 'retryable' | 'reason' | 'stop'>;
  /** The agent that ran it. */
  agent: string;
  /** The task's agents in order (its own, then fallbacks) and the index of the one that ran. */
  chain: readonly string[];
  agentIndex: number;
  /** Retries used so far for this task in this run, and how many it may use. */
  retries: number;
  maxRetries: number;
  /** Base of the exponential backoff, in ms (config; tests shorten it). */
  retryBaseMs: number;
  /** The run: interrupted (Ctrl-C, a lost lease, a crashed sibling), or halted with a message. */
  interrupted: boolean;
  /** Why no new task may start (budget spent, an agent cannot log in), or null. */
  halted: string | null;
  /** Set when a sibling task threw: the reason given to the tasks the run stops. */
  crashed: string | null;
}

/** What to do next with the task, as {@link decideAfterFailure} decided. */
export type FailureDecision =
  /** Stop here, recorded `canceled` with this reason; nothing is kept. */
  | { kind: 'cancel'; reason: string }
  /** Another attempt with the next agent of the chain (a failure retries cannot fix). */
  | { kind: 'fallback'; agentIndex: number; note: string }
  /** The same agent again after `delayMs`. */
  | { kind: 'retry'; retries: number; delayMs: number; note: string }
  /** Failed for good; with `halt`, no new task of the run starts either. */
  | { kind: 'fail'; reason: string; halt?: { code: string; message: string } };

/**
 * The retry / fallback / halt decision after a failed attempt: a pure function of the attempt's
 * outcome (failure kinds as data: `retryable`, `canceled`, `stop`), the task's retries and agent
 * chain, and the run's state. The coordinator applies it (worktree kept or released, events).
 */
export function decideAfterFailure(input: FailedAttempt): FailureDecision {
  const { outcome } = input;
  const reason = outcome.reason ?? 'failed';
  if (outcome.canceled || input.interrupted) {
    const why = input.crashed
      ? `stopped: ${input.crashed}`
      : input.halted !== null && !input.interrupted
        ? `stopped: ${input.halted}`
        : 'interrupted';
    return { kind: 'cancel', reason: why };
  }
  // A failure retrying cannot fix (bad login, unknown model, a sandbox breach) tries the next
  // agent; a spent budget does not, since any agent would spend more.
  if (!outcome.retryable && outcome.stop !== 'budget' && input.agentIndex + 1 < input.chain.length) {
    const next = input.agentIndex + 1;
    return {
      kind: 'fallback',
      agentIndex: next,
      note: `fallback from ${input.agent} (${reason}) to ${input.chain[next]}`,
    };
  }
  // An agent that cannot log in will fail every task: the run stops starting new ones.
  const halt =
    outcome.stop === 'auth'
      ? {
          code: 'MILESTONE_AUTH',
          message: `${input.agent}: ${reason}; fix the login, then run execute again`,
        }
      : undefined;
  const halted = input.halted !== null || halt !== undefined;
  if (outcome.retryable && input.retries < input.maxRetries && !halted) {
    const retries = input.retries + 1;
    return {
      kind: 'retry',
      retries,
      delayMs: retryDelay(input.retryBaseMs, retries),
      note: `retry ${retries} of ${input.maxRetries} after: ${reason}`,
    };
  }
  return { kind: 'fail', reason, ...(halt && { halt }) };
}

/** Exponential backoff: base, 2 x base, 4 x base, ... at most 30 s. */
export function retryDelay(baseMs: number, retry: number): number {
  return Math.min(30_000, baseMs * 2 ** Math.max(0, retry - 1));
}
