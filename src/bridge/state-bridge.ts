import { z } from 'zod';
import { configProblems } from '../config/config-problems.js';
import type { MilestoneEvent } from '../core/events.js';
import { computeProgress } from '../core/progress.js';
import type { MilestoneState } from '../core/projection.js';
import type { MilestoneStatus, Phase, TaskStatus } from '../core/types.js';
import { MILESTONE_STATUSES, PHASES, TASK_STATUSES } from '../core/types.js';
import type { Problem } from '../errors.js';
import type { PositionOf } from '../plan/source-map.js';

/**
 * `milestone state export|import`: the same state in the command layer's flat shape or the
 * agent layer's nested shape, both derived from the store (no temporary files in between).
 */

/** A task as both shapes carry it. */
export interface BridgeTask {
  id: string;
  title: string;
  status: TaskStatus;
  attempts: number;
  agent: string;
  merged: boolean;
  commit: string | null;
}

/** Per phase: its weight and its tasks in plan order. */
export type BridgePhases = Record<Phase, { weight: number; tasks: BridgeTask[] }>;

/** The command layer's shape (`/milestone/*` commands). */
export interface CommandState {
  id: string;
  title: string;
  created: string;
  status: MilestoneStatus;
  phases: BridgePhases;
  progress: number;
  phaseProgress: Record<Phase, number>;
  branch: string;
  commits: string[];
  /** Store version this export reflects; an import older than the store is refused. */
  version: number;
}

/** The agent layer's shape (coordinator, executor). */
export interface AgentState {
  metadata: { id: string; title: string; created_at: string; status: MilestoneStatus; version: number };
  phases: BridgePhases;
  progress: { overall: number; by_phase: Record<Phase, number> };
  git: { branch: string; commits: string[] };
}

function phasesOf(state: MilestoneState): BridgePhases {
  const phases = {} as BridgePhases;
  for (const phase of PHASES) phases[phase] = { weight: state.plan.weights[phase], tasks: [] };
  for (const spec of state.plan.tasks) {
    const task = state.tasks[spec.id]!;
    phases[spec.phase].tasks.push({
      id: spec.id,
      title: spec.title,
      status: task.status,
      attempts: task.attempts,
      agent: task.agent,
      merged: task.merged,
      commit: task.commit,
    });
  }
  return phases;
}

/** Exports in the command layer's shape. Pure. */
export function toCommandFormat(state: MilestoneState): CommandState {
  const progress = computeProgress(state.plan, state.tasks, { completed: state.status === 'completed' });
  return {
    id: state.id,
    title: state.title,
    created: state.created,
    status: state.status,
    phases: phasesOf(state),
    progress: progress.overall,
    phaseProgress: progress.phases,
    branch: state.branch,
    commits: state.commits,
    version: state.version,
  };
}

/** Exports in the agent layer's shape. Pure. */
export function toAgentFormat(state: MilestoneState): AgentState {
  const progress = computeProgress(state.plan, state.tasks, { completed: state.status === 'completed' });
  return {
    metadata: {
      id: state.id,
      title: state.title,
      created_at: state.created,
      status: state.status,
      version: state.version,
    },
    phases: phasesOf(state),
    progress: { overall: progress.overall, by_phase: progress.phases },
    git: { branch: state.branch, commits: state.commits },
  };
}

const task = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(TASK_STATUSES),
  attempts: z.number().int().min(0),
  agent: z.string(),
  merged: z.boolean(),
  commit: z.string().nullable(),
});
const phase = z.object({ weight: z.number(), tasks: z.array(task) });
const phases = z.object({ design: phase, spec: phase, task: phase, execute: phase });
const percents = z.object({ design: z.number(), spec: z.number(), task: z.number(), execute: z.number() });
const commandSchema = z.object({
  id: z.string(),
  title: z.string(),
  created: z.string(),
  status: z.enum(MILESTONE_STATUSES),
  phases,
  progress: z.number(),
  phaseProgress: percents,
  branch: z.string(),
  commits: z.array(z.string()),
  version: z.number().int().min(0),
});
const agentSchema = z.object({
  metadata: z.object({
    id: z.string(),
    title: z.string(),
    created_at: z.string(),
    status: z.enum(MILESTONE_STATUSES),
    version: z.number().int().min(0),
  }),
  phases,
  progress: z.object({ overall: z.number(), by_phase: percents }),
  git: z.object({ branch: z.string(), commits: z.array(z.string()) }),
});

/** What an import says, whichever shape it came in. */
export interface ImportedState {
  format: 'command' | 'agent';
  id: string;
  version: number;
  status: MilestoneStatus;
  tasks: BridgeTask[];
}

/** Detects the shape and checks it; problems name the field. */
export function parseImportedState(
  value: unknown,
  file: string,
  /** Where a field is in the file, for problems placed at their line and column. */
  positionOf?: PositionOf,
): { state: ImportedState | null; problems: Problem[] } {
  const isAgent = typeof value === 'object' && value !== null && 'metadata' in value;
  const result = isAgent ? agentSchema.safeParse(value) : commandSchema.safeParse(value);
  if (!result.success) {
    const words = { code: 'MILESTONE_STATE_SHAPE', root: 'the state' };
    return {
      state: null,
      problems: configProblems(result.error.issues, value, file, positionOf, undefined, words).map(
        (problem) => ({
          ...problem,
          message: `${problem.message} (as the ${isAgent ? 'agent' : 'command'}-layer shape)`,
        }),
      ),
    };
  }
  const data = result.data;
  const tasks = PHASES.flatMap((p) => data.phases[p].tasks);
  if ('metadata' in data) {
    return {
      state: {
        format: 'agent',
        id: data.metadata.id,
        version: data.metadata.version,
        status: data.metadata.status,
        tasks,
      },
      problems: [],
    };
  }
  return {
    state: { format: 'command', id: data.id, version: data.version, status: data.status, tasks },
    problems: [],
  };
}

/**
 * The events that bring the store's state to what the import says. Only facts the store
 * records are applied (milestone status, task status, attempts, merges); progress is derived
 * and never imported. An unchanged import yields no events.
 */
export function importEvents(
  current: MilestoneState,
  incoming: ImportedState,
): { events: MilestoneEvent[]; problems: Problem[] } {
  const events: MilestoneEvent[] = [];
  const problems: Problem[] = [];
  incoming.tasks.forEach((task, index) => {
    const known = current.tasks[task.id];
    if (!known) {
      problems.push({
        code: 'MILESTONE_STATE_UNKNOWN_TASK',
        message: `task "${task.id}" is not in milestone ${current.id}`,
        location: { field: `tasks[${index}].id` },
      });
      return;
    }
    if (task.status !== known.status || task.attempts !== known.attempts || task.agent !== known.agent) {
      events.push({
        type: 'task_status',
        taskId: task.id,
        status: task.status,
        attempt: task.attempts,
        agent: task.agent,
        reason: 'imported',
      });
    }
    if (task.merged && task.commit && (!known.merged || known.commit !== task.commit)) {
      events.push({ type: 'task_merged', taskId: task.id, commit: task.commit });
    }
  });
  if (incoming.status !== current.status)
    events.push({ type: 'milestone_status', status: incoming.status, reason: 'imported' });
  return { events, problems };
}
