/**
 * The domain model: plain data only. Nothing here touches the file system, git, a clock or
 * `process`; everything on disk or on the wire is one of these shapes.
 */

/** The four KIRO lifecycle phases, in execution order. */
export const PHASES = ['design', 'spec', 'task', 'execute'] as const;
export type Phase = (typeof PHASES)[number];

/** Share of the milestone each phase stands for; the four values sum to 1. */
export type PhaseWeights = Record<Phase, number>;

/** Default phase weights: design 15, spec 25, task 20, execute 40 (execution is most of the work). */
export const DEFAULT_WEIGHTS: PhaseWeights = { design: 0.15, spec: 0.25, task: 0.2, execute: 0.4 };

/** One vocabulary for a task's state (docs/contract.md `status --json`). */
export const TASK_STATUSES = [
  'pending',
  'ready',
  'running',
  /** Parked until its agent's usage limit resets (the event's `until`); resumes by itself. */
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'conflicted',
  'canceled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** One vocabulary for a milestone's state. */
export const MILESTONE_STATUSES = [
  'planned',
  'executing',
  'paused',
  'completed',
  'failed',
  'cancelled',
] as const;
export type MilestoneStatus = (typeof MILESTONE_STATUSES)[number];

/** How a run executes: one agent in order, many in parallel, or per phase. */
export const MODES = ['direct', 'agents', 'hybrid'] as const;
export type Mode = (typeof MODES)[number];

/** Ids of milestones and tasks: safe as a path segment and inside a git ref. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A three-point estimate in minutes. A single-value estimate has all three equal. */
export interface Estimate {
  optimistic: number;
  likely: number;
  pessimistic: number;
}

/** A task as planned: what to do, in which phase, after what. */
export interface TaskSpec {
  /** Unique within the milestone; matches {@link ID_PATTERN}. */
  id: string;
  title: string;
  phase: Phase;
  /** Instructions for a coding agent. */
  prompt?: string;
  /** Command for the `shell` agent. A task has `prompt`, `run` or both. */
  run?: string;
  /** Ids of tasks that must succeed (and merge) first. */
  needs: string[];
  /** Globs of repository paths the task expects to touch. */
  files: string[];
  estimate?: Estimate;
  /** Agent name; the plan default applies when absent. */
  agent?: string;
  /** Command that must exit 0 in the task's worktree after the task. */
  verify?: string;
  /** Per-attempt time limit in milliseconds. */
  timeoutMs?: number;
  /** Extra attempts after the first failure. */
  retries?: number;
  /** Type of the task's commit (`feat`, `fix`...); else the plan default, config, or the changed files decide. */
  commitType?: string;
}

/** Defaults applied to every task that does not set its own value. */
export interface PlanDefaults {
  agent: string;
  verify?: string;
  timeoutMs: number;
  retries: number;
  /** Type of task commits for tasks that set none. */
  commitType?: string;
}

/**
 * When the combined milestone tree is checked (issue 10): after every landing, after the
 * landings that arrived while the previous check ran (a merge train), or once per phase.
 */
export const INTEGRATION_MODES = ['each', 'batch', 'phase'] as const;
export type IntegrationMode = (typeof INTEGRATION_MODES)[number];

/** Per-phase settings of a plan (`phases: { execute: { verify: ... } }`). */
export interface PhasePlan {
  /** Integration check run on the combined tree before the phase's commit. */
  verify?: string;
}

/** Where a plan came from, for messages and the record. */
export type PlanFormat = 'milestone-yaml' | 'milestone-json' | 'kiro' | 'spec-kit' | 'taskmaster';

/** A validated plan: the input of every analysis and of execution. */
export interface Plan {
  version: 1;
  id: string;
  title: string;
  description?: string;
  /** Base branch; resolved to the current branch when the plan is stored if absent. */
  base?: string;
  weights: PhaseWeights;
  defaults: PlanDefaults;
  /** Integration check run on the combined milestone tree (in its own worktree). */
  verify?: string;
  /** When the integration check runs; config `integration`, else `batch`, when absent. */
  integration?: IntegrationMode;
  /** Per-phase integration checks, run with `verify` before that phase's commit. */
  phases?: Partial<Record<Phase, PhasePlan>>;
  tasks: TaskSpec[];
}

export const DEFAULT_DEFAULTS: PlanDefaults = { agent: 'shell', timeoutMs: 30 * 60_000, retries: 1 };
