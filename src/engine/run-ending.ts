import type { Config } from '../config/config.js';
import type { MilestoneEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import type { MilestoneStatus, Phase } from '../core/types.js';
import { gateMessage } from '../decision/gates.js';
import { EXIT, ExitError } from '../errors.js';
import type { EngineResult } from './types.js';

/** A task whose run threw, the error, and the running tasks the run stopped because of it. */
export interface Crash {
  taskId: string;
  error: unknown;
  stopped: string[];
}

/** One line: which task threw and why (the milestone's `failed` reason, the policy's `crashed`). */
export function crashReason(crash: Crash): string {
  const why = crash.error instanceof Error ? crash.error.message : String(crash.error);
  return `task ${crash.taskId} failed with an engine error: ${why}`;
}

/** What the CLI reports when a task threw: which task, why, and what became of the others. */
export function crashError(crash: Crash): ExitError {
  const stopped = crash.stopped.length
    ? `; stopped ${crash.stopped.length} running task(s) (${crash.stopped.join(', ')})`
    : '';
  return new ExitError(
    'MILESTONE_RUN_CRASHED',
    `${crashReason(crash)}${stopped}; fix the cause, then run execute again to resume`,
    EXIT.failed,
    { cause: crash.error },
  );
}

/** What a run knows when its phases are over. */
export interface RunFacts {
  state: MilestoneState;
  config: Config;
  /** The phases this run was asked for. */
  phases: Phase[];
  crashed: Crash | null;
  interrupted: boolean;
  halt: { code: string; message: string } | null;
  failed: number;
  conflicted: number;
  pausedAt: Phase | null;
}

/** How a run ended: its status, the halt it reports, and the `milestone_status` event to record. */
export interface RunEnding {
  status: MilestoneStatus;
  interrupted: boolean;
  halted: EngineResult['halted'];
  event: MilestoneEvent;
}

/**
 * Pure: how a run ended, in order of precedence: a task threw, the run was interrupted, a halt
 * (unless it came after the last task landed), failures or conflicts, a review gate, everything
 * landed, or only the requested phases are done.
 */
export function runEnding(facts: RunFacts): RunEnding {
  const { state } = facts;
  const all = state.plan.tasks.every((t) => state.tasks[t.id]!.merged);
  const ended = (status: MilestoneStatus, reason?: string): RunEnding => ({
    status,
    interrupted: false,
    halted: null,
    event: { type: 'milestone_status', status, ...(reason !== undefined && { reason }) },
  });
  if (facts.crashed) return ended('failed', crashReason(facts.crashed));
  if (facts.interrupted)
    return { ...ended('paused', 'interrupted; run execute again to resume'), interrupted: true };
  if (
    facts.halt &&
    (facts.halt.code === 'MILESTONE_INTEGRATION' || !(all && facts.failed === 0 && !facts.pausedAt))
  ) {
    // A halt that came after the last task landed changes nothing: the milestone completed.
    return { ...ended('failed', facts.halt.message), halted: facts.halt };
  }
  if (facts.failed > 0 || facts.conflicted > 0) {
    const parts = [
      facts.failed ? `${facts.failed} failed` : '',
      facts.conflicted ? `${facts.conflicted} conflicted` : '',
    ].filter(Boolean);
    return ended('failed', parts.join(', '));
  }
  if (facts.pausedAt) return ended('paused', gateMessage(state, facts.config, facts.pausedAt));
  if (all) return ended('completed');
  return ended('paused', `phase(s) ${facts.phases.join(', ')} done`);
}
