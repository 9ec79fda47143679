import type { PlanSource, ReviewDecision, StoredEvent, Usage } from './events.js';
import type { MilestoneStatus, Mode, Phase, Plan, TaskStatus } from './types.js';
import { addUsage } from './usage.js';

/** A task's state, folded from the log. */
export interface TaskState {
  id: string;
  status: TaskStatus;
  /** Attempts started so far. */
  attempts: number;
  agent: string;
  /** True once the task's commit is on the milestone branch. */
  merged: boolean;
  /** The merge commit that landed it. */
  commit: string | null;
  /** Why it failed, was skipped or conflicted. */
  reason: string | null;
  /** Summed over attempts; a figure stays `null` until some attempt reports it. */
  usage: Usage;
  startedAt: string | null;
  finishedAt: string | null;
  /** The agent's own session id of the last attempt, for its resume flag (e.g. `claude --resume=<id>`). */
  sessionId: string | null;
  /** While `waiting`: when it resumes (ISO-8601); else null. */
  waitingUntil: string | null;
}

/** One review decision, kept as history. */
export interface ReviewRecord {
  phase: Phase;
  decision: ReviewDecision;
  comment: string | null;
  at: string;
}

/** The state of one milestone, as commands read it. */
export interface MilestoneState {
  id: string;
  title: string;
  created: string;
  updated: string;
  status: MilestoneStatus;
  mode: Mode | null;
  modeReason: string | null;
  /** Adoption level of the last decision, and what `auto` would have chosen. */
  adoption: string | null;
  wouldHave: Mode | null;
  /** When planning turned into execution (the `mode_transition` event). */
  transitionedAt: string | null;
  plan: Plan;
  base: string;
  branch: string;
  /** Milestone branch head as last recorded; `null` before execution. */
  head: string | null;
  tasks: Record<string, TaskState>;
  /** Commits that landed on the milestone branch, oldest first. */
  commits: string[];
  phaseCommits: Partial<Record<Phase, string>>;
  reviews: ReviewRecord[];
  /** Seq of the last folded event. */
  version: number;
  /** The plan lineage on this milestone's commits (`Milestone-Run:`); `null` for older plans. */
  runId?: string | null;
  /** Lineages adopted from an existing branch ('' = commits without the trailer). */
  adoptedRuns?: string[];
  /** The plan file it was planned from, and that file's sha256 then. */
  source?: PlanSource | null;
}

function initialTask(id: string, agent: string): TaskState {
  return {
    id,
    status: 'pending',
    attempts: 0,
    agent,
    merged: false,
    commit: null,
    reason: null,
    usage: { inputTokens: null, outputTokens: null, costUsd: null },
    startedAt: null,
    finishedAt: null,
    sessionId: null,
    waitingUntil: null,
  };
}

/**
 * What one fold changed, for the store's read model: the task ids whose state changed, and
 * whether a (new or replaced) plan arrived, which changes every task row.
 */
export interface FoldChanges {
  tasks: Set<string>;
  replanned: boolean;
}

/** An empty change set for {@link applyEvent}. */
export function foldChanges(): FoldChanges {
  return { tasks: new Set(), replanned: false };
}

/**
 * Folds one event into the state **in place** and returns it: O(1) per event whatever the
 * milestone's size (copying the task map per event made a run's fold quadratic). The folder owns
 * `state`: a caller that needs the state as it was keeps its own copy (`structuredClone`).
 * `milestone_planned` returns a new state (keeping only the old `created` and, when replaced, its
 * reviews); before a plan, other events return `undefined`; unknown types change nothing but
 * `updated` and `version`. `changes`, when given, collects what the event touched.
 */
export function applyEvent(
  state: MilestoneState | undefined,
  event: StoredEvent,
  changes?: FoldChanges,
): MilestoneState | undefined {
  if (event.type === 'milestone_planned') {
    const { plan } = event;
    const tasks: Record<string, TaskState> = {};
    for (const task of plan.tasks) tasks[task.id] = initialTask(task.id, task.agent ?? plan.defaults.agent);
    if (changes) changes.replanned = true;
    return {
      id: plan.id,
      title: plan.title,
      created: state?.created ?? event.at,
      updated: event.at,
      status: 'planned',
      mode: null,
      modeReason: null,
      adoption: null,
      wouldHave: null,
      transitionedAt: null,
      plan,
      base: event.base,
      branch: event.branch,
      head: null,
      tasks,
      commits: [],
      phaseCommits: {},
      // A replaced plan keeps its review history; a new plan starts without one.
      reviews: event.replaced ? (state?.reviews ?? []) : [],
      version: event.seq,
      runId: event.runId ?? null,
      adoptedRuns: event.adoptedRuns ?? [],
      source: event.source ?? null,
    };
  }
  if (!state) return undefined;
  state.updated = event.at;
  state.version = event.seq;
  const taskOf = (taskId: string): TaskState | undefined => {
    const task = Object.hasOwn(state.tasks, taskId) ? state.tasks[taskId] : undefined;
    if (task) changes?.tasks.add(taskId);
    return task;
  };
  switch (event.type) {
    case 'milestone_status':
      state.status = event.status;
      break;
    case 'mode_selected':
      state.mode = event.mode;
      state.modeReason = event.reason;
      state.adoption = event.adoption ?? state.adoption;
      state.wouldHave = event.wouldHave ?? state.wouldHave;
      break;
    case 'mode_transition':
      state.transitionedAt = state.transitionedAt ?? event.at;
      break;
    case 'task_status': {
      const task = taskOf(event.taskId);
      if (!task) break;
      const running = event.status === 'running';
      const waiting = event.status === 'waiting';
      const terminal = !running && !waiting && event.status !== 'pending' && event.status !== 'ready';
      task.status = event.status;
      task.attempts = Math.max(task.attempts, event.attempt ?? task.attempts);
      task.agent = event.agent ?? task.agent;
      task.reason = event.reason ?? (running ? null : task.reason);
      task.startedAt = running ? event.at : task.startedAt;
      task.finishedAt = terminal ? event.at : running ? null : task.finishedAt;
      task.merged = event.status === 'pending' ? false : task.merged;
      task.waitingUntil = waiting ? (event.until ?? null) : null;
      break;
    }
    case 'task_merged': {
      const task = taskOf(event.taskId);
      if (task) {
        task.merged = true;
        task.commit = event.commit;
      }
      state.head = event.commit;
      state.commits.push(event.commit);
      break;
    }
    case 'task_usage': {
      const task = taskOf(event.taskId);
      // A new usage object: a caller holding the old one (a budget's "before") keeps its figures.
      if (task) task.usage = addUsage(task.usage, event.usage);
      break;
    }
    case 'phase_committed':
      state.phaseCommits[event.phase] = event.commit;
      state.head = event.commit;
      state.commits.push(event.commit);
      break;
    case 'outcome':
      if (event.step === 'agent_session' && event.taskId && typeof event.detail?.sessionId === 'string') {
        const task = taskOf(event.taskId);
        if (task) task.sessionId = event.detail.sessionId;
      }
      break;
    case 'review':
      state.reviews.push({
        phase: event.phase,
        decision: event.decision,
        comment: event.comment ?? null,
        at: event.at,
      });
      break;
    default:
      break;
  }
  return state;
}

/** Folds a whole log (oldest first) into a new state; `undefined` if it was never planned. */
export function project(events: Iterable<StoredEvent>): MilestoneState | undefined {
  let state: MilestoneState | undefined;
  for (const event of events) state = applyEvent(state, event);
  return state;
}
