import type { AdoptionLevel } from '../config/config.js';
import { plural } from '../core/duration.js';
import type { Mode } from '../core/types.js';
import type { Complexity } from './complexity.js';
import { atLeast } from './complexity.js';

/** The parallel score above which parallel agents pay off (the original commands' 0.6). */
export const PARALLEL_THRESHOLD = 0.6;

/** What measured history says, from completed runs in the store. */
export interface History {
  /** Completed parallel runs measured. */
  runs: number;
  /**
   * Mean of (summed task time / wall time) over those runs: how many tasks ran at once on
   * average. Not a speedup (direct time / agents time), which needs a direct run to compare.
   */
  parallelism: number;
}

/** Everything the decision looks at. */
export interface DecisionInput {
  requested: 'auto' | Mode;
  adoption: AdoptionLevel;
  complexity: Complexity;
  parallelScore: number;
  /** Agents the plan needs that are available. */
  agentsAvailable: number;
  /** Agents the plan needs. */
  agentsNeeded: number;
  concurrency: number;
  history: History | null;
}

/** The mode and one line saying why; `wouldHave` is what `auto` would have chosen. */
export interface Decision {
  mode: Mode;
  reason: string;
  adoption: AdoptionLevel;
  wouldHave: Mode;
}

/** Below this measured parallelism, parallel runs are not worth it here. */
export const HISTORY_SLOW = 1.2;
/** Above this, parallel runs are worth it already at medium complexity. */
export const HISTORY_FAST = 1.5;

function facts(input: DecisionInput): string {
  return `parallel score ${input.parallelScore.toFixed(2)}, ${input.agentsAvailable} of ${plural(input.agentsNeeded, 'agent')} available, concurrency ${input.concurrency}`;
}

/** The `default-complex` decision, with levels as ordered values (rules in {@link decideMode}'s doc and docs/architecture.md). */
function fromPlan(input: DecisionInput, mediumGoesParallel: boolean): { mode: Mode; why: string } {
  const { complexity, parallelScore } = input;
  if (input.agentsAvailable < input.agentsNeeded)
    return { mode: 'direct', why: 'a needed agent is unavailable' };
  if (input.concurrency < 2)
    return { mode: 'direct', why: 'concurrency 1 leaves no room for parallel agents' };
  if (parallelScore <= PARALLEL_THRESHOLD) {
    return {
      mode: 'direct',
      why: `parallel score ${parallelScore.toFixed(2)} <= ${PARALLEL_THRESHOLD}: parallel agents would mostly wait`,
    };
  }
  if (complexity.level === 'high' || (mediumGoesParallel && complexity.level === 'medium')) {
    return { mode: 'agents', why: complexity.reason };
  }
  if (atLeast(complexity.level, 'medium'))
    return { mode: 'hybrid', why: `${complexity.reason}: parallel execute phase only` };
  return { mode: 'direct', why: `${complexity.reason}: one agent is enough` };
}

/**
 * Chooses direct, hybrid or agents from complexity, parallel score, availability, the adoption
 * level and (at `auto`) measured history. Pure; the reason is printed and recorded with the run.
 */
export function decideMode(input: DecisionInput): Decision {
  const base = fromPlan(input, false);
  const line = (mode: Mode, why: string) => `${mode}: ${why}, ${facts(input)}`;
  const { adoption } = input;
  if (adoption === 'observe') {
    const asked = input.requested === 'auto' ? '' : ` (--mode ${input.requested} ignored)`;
    return {
      mode: 'direct',
      adoption,
      wouldHave: base.mode,
      reason: `direct: adoption observe${asked}; the decision would have been ${line(base.mode, base.why)}`,
    };
  }
  if (input.requested !== 'auto') {
    return {
      mode: input.requested,
      adoption,
      wouldHave: base.mode,
      reason: `${input.requested}: requested with --mode (the decision would have been ${base.mode})`,
    };
  }
  if (adoption === 'opt-in') {
    return {
      mode: 'direct',
      adoption,
      wouldHave: base.mode,
      reason: `direct: adoption opt-in runs agents only with --mode agents; the decision would have been ${line(base.mode, base.why)}`,
    };
  }
  if (adoption === 'auto') {
    if (!input.history || input.history.runs === 0) {
      return {
        mode: base.mode,
        adoption,
        wouldHave: base.mode,
        reason: `${line(base.mode, base.why)} (adoption auto: no measured history yet, deciding as default-complex)`,
      };
    }
    const { parallelism, runs } = input.history;
    const measured = `measured parallelism ${parallelism.toFixed(2)}x over ${plural(runs, 'parallel run')}`;
    if (parallelism < HISTORY_SLOW && base.mode !== 'direct') {
      return {
        mode: 'direct',
        adoption,
        wouldHave: base.mode,
        reason: `direct: ${measured} < ${HISTORY_SLOW}x, so parallel agents do not pay off here, ${facts(input)}`,
      };
    }
    if (parallelism >= HISTORY_FAST) {
      const eager = fromPlan(input, true);
      return {
        mode: eager.mode,
        adoption,
        wouldHave: base.mode,
        reason: `${line(eager.mode, eager.why)} (${measured} >= ${HISTORY_FAST}x)`,
      };
    }
    return {
      mode: base.mode,
      adoption,
      wouldHave: base.mode,
      reason: `${line(base.mode, base.why)} (${measured})`,
    };
  }
  return { mode: base.mode, adoption, wouldHave: base.mode, reason: line(base.mode, base.why) };
}

/**
 * The line `execute` prints for a decision: `mode <mode>: <why>`. A decision's reason already
 * starts with its mode (`direct: parallel score ...`, the form `status` shows after `decision`),
 * which is then not said twice.
 */
export function modeLine(mode: Mode, reason: string): string {
  return reason.startsWith(`${mode}: `) ? `mode ${reason}` : `mode ${mode}: ${reason}`;
}
