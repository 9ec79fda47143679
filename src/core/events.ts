import type { MilestoneStatus, Mode, Phase, Plan, TaskStatus } from './types.js';

/** A review decision on a phase gate (the original commands' vocabulary). */
export type ReviewDecision = 'approved' | 'rejected' | 'changes_requested';

/** Where a stored plan came from: the file (relative to the repository root) and its text's sha256. */
export interface PlanSource {
  file: string;
  sha256: string;
}

/** Token and cost figures of one agent run; `null` where the agent did not report them. */
export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

/**
 * Everything that can happen to a milestone, as an append-only log. The projection
 * (`projection.ts`) folds these into the state commands read. Event types are never renamed:
 * old stores must still fold.
 */
export type MilestoneEvent =
  | {
      type: 'milestone_planned';
      plan: Plan;
      base: string;
      branch: string;
      /**
       * The plan lineage, written as the `Milestone-Run:` trailer on every commit the milestone
       * lands; kept by `plan --replace`, new for a new plan. Absent in logs made before it existed.
       */
      runId?: string;
      /** Lineages found on an existing branch that `plan --adopt-branch` accepted ('' = no trailer). */
      adoptedRuns?: string[];
      /** The plan file and the sha256 of its text when it was stored (warns when it changes). */
      source?: PlanSource;
      /** True when this replaced an earlier plan of the same id (`plan --replace`). */
      replaced?: boolean;
    }
  | { type: 'milestone_status'; status: MilestoneStatus; reason?: string }
  | {
      type: 'mode_selected';
      mode: Mode;
      reason: string;
      adoption?: string;
      wouldHave?: Mode;
      /** The run's concurrency, so a resume without `--concurrency` keeps it (absent in old logs). */
      concurrency?: number;
    }
  /** Planning was complete and valid; execution state was initialised (`engine/transition.ts`). */
  | { type: 'mode_transition'; from: 'planning'; to: 'execution'; mode: Mode; concurrency: number }
  | {
      type: 'task_status';
      taskId: string;
      status: TaskStatus;
      attempt?: number;
      agent?: string;
      reason?: string;
      /** With `waiting`: when the task resumes (ISO-8601), the agent's usage-limit reset. */
      until?: string;
    }
  | { type: 'task_merged'; taskId: string; commit: string }
  | { type: 'task_usage'; taskId: string; attempt: number; usage: Usage }
  | { type: 'phase_committed'; phase: Phase; commit: string }
  | { type: 'review'; phase: Phase; decision: ReviewDecision; comment?: string }
  | { type: 'state_imported'; format: 'command' | 'agent'; changes: number }
  /** Durability: a step about to happen (`intent`) and what came of it (`outcome`). */
  | { type: 'intent'; step: string; taskId?: string; detail?: Record<string, unknown> }
  | { type: 'outcome'; step: string; taskId?: string; ok: boolean; detail?: Record<string, unknown> };

/** An event as stored: its place in the milestone's log and when it was written. */
export type StoredEvent = MilestoneEvent & {
  /** Position in this milestone's log, 1-based, gap-free; also the milestone's version. */
  seq: number;
  milestoneId: string;
  /** ISO-8601 time the store wrote it. */
  at: string;
};
