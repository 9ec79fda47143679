import { findCycle, type GraphTask } from '../core/graph.js';
import { PHASES, type Phase, type TaskSpec } from '../core/types.js';
import { PLAN_CODES } from './codes.js';
import type { ProblemSink } from './problems.js';

/** A task as far as it could be read: graph checks run on every task, valid or not. */
export interface TaskDraft {
  index: number;
  /** The id when it is a string (valid or not). */
  id: string | undefined;
  /** The phase when it is one of PHASES. */
  phase: Phase | undefined;
  /**
   * Where each of `spec.needs` (the distinct string entries of `needs`) is in the task's
   * `needs` list; `undefined` when each is at its own index (no entry was left out).
   */
  needIndexes: number[] | undefined;
  spec: TaskSpec;
}

const PHASE_RANK = Object.fromEntries(PHASES.map((phase, rank) => [phase, rank])) as Record<Phase, number>;
/** Enough to show a tangled plan's cycles without flooding the output. */
const MAX_CYCLES = 10;

/**
 * Checks the dependency graph: duplicate ids, unknown and self dependencies, dependencies on a
 * later phase, and cycles. Linear in tasks + dependencies apart from the bounded cycle search.
 */
export function checkGraph(tasks: readonly TaskDraft[], sink: ProblemSink): void {
  // Tasks are named by their position in `tasks` and edges kept as positions: no object per
  // need, one map lookup per need. Indexed loops and no closure per task or need: this runs for
  // every task of a plan, mostly before V8 optimises it.
  /** Each id's first task (its graph node; a later task with the id is a duplicate). */
  const owner = new Map<string, number>();
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t]!;
    if (task.id === undefined) continue;
    const first = owner.get(task.id);
    if (first === undefined) {
      owner.set(task.id, t);
      continue;
    }
    sink.add(
      PLAN_CODES.duplicateId,
      `task id "${task.id}" is used twice: ${sink.where(['tasks', tasks[first]!.index])} and ${sink.where(['tasks', task.index])}`,
      ['tasks', task.index, 'id'],
    );
  }

  // The owners' known needs as lists of positions: task t's are edgeTo[edgeStart[t]...edgeStart[t + 1]).
  const edgeStart = new Int32Array(tasks.length + 1);
  const edgeTo: number[] = [];
  // Whether some task needs a later one (or itself): without such an edge there is no cycle.
  let forward = false;
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t]!;
    const needs = task.spec.needs;
    const owns = task.id !== undefined && owner.get(task.id) === t;
    edgeStart[t] = edgeTo.length;
    for (let n = 0; n < needs.length; n++) {
      const need = needs[n]!;
      if (need === task.id) {
        // A duplicate naming its own id means the other task of that id; the duplicate is the problem.
        if (owns) sink.add(PLAN_CODES.cycle, `${taskLabel(task)} needs itself`, needPath(task, n));
        continue;
      }
      const dep = owner.get(need);
      if (dep === undefined) {
        sink.add(
          PLAN_CODES.unknownDep,
          `${taskLabel(task)} needs "${need}", which is not a task in this plan`,
          needPath(task, n),
        );
        continue;
      }
      if (owns) {
        edgeTo.push(dep);
        if (dep >= t) forward = true;
      }
      const depPhase = tasks[dep]!.phase;
      if (task.phase && depPhase && PHASE_RANK[depPhase] > PHASE_RANK[task.phase]) {
        sink.add(
          PLAN_CODES.phaseOrder,
          `${taskLabel(task)} (phase ${task.phase}) needs "${need}" of the later phase ${depPhase}; phases run in order ${PHASES.join(' -> ')}, so it could never start`,
          needPath(task, n),
        );
      }
    }
  }
  edgeStart[tasks.length] = edgeTo.length;
  if (forward && hasCycle(edgeStart, edgeTo)) reportCycles(tasks, owner, edgeStart, edgeTo, sink);
}

/** How a problem names a task: by id, or by position when it has none. */
function taskLabel(task: TaskDraft): string {
  return task.id === undefined ? `tasks[${task.index}]` : `task "${task.id}"`;
}

/** Where the task's `n`th distinct need is in its `needs` list. */
function needIndex(task: TaskDraft, n: number): number {
  return task.needIndexes === undefined ? n : task.needIndexes[n]!;
}

/** Where a problem with the task's `n`th distinct need is. */
function needPath(task: TaskDraft, n: number): (string | number)[] {
  return ['tasks', task.index, 'needs', needIndex(task, n)];
}

/** Reports cycles one by one, cutting each one's closing edge so the next search finds another. */
function reportCycles(
  tasks: readonly TaskDraft[],
  owner: Map<string, number>,
  edgeStart: Int32Array,
  edgeTo: readonly number[],
  sink: ProblemSink,
): void {
  // The owners in plan order, each with its known needs in its list's order.
  const graph: GraphTask[] = [];
  for (let t = 0; t < tasks.length; t++) {
    const id = tasks[t]!.id;
    if (id === undefined || owner.get(id) !== t) continue;
    const needs = edgeTo.slice(edgeStart[t], edgeStart[t + 1]).map((dep) => tasks[dep]!.id!);
    graph.push({ id, needs });
  }
  const nodes = new Map(graph.map((node) => [node.id, node]));
  for (let found = 0; found < MAX_CYCLES; found++) {
    const cycle = findCycle(graph);
    if (!cycle) return;
    const [from, to] = [cycle[0]!, cycle[1]!];
    const task = tasks[owner.get(from)!]!;
    const n = task.spec.needs.indexOf(to);
    sink.add(PLAN_CODES.cycle, `dependency cycle: ${cycle.join(' -> ')}`, [
      'tasks',
      task.index,
      'needs',
      n === -1 ? 0 : needIndex(task, n),
    ]);
    const last = nodes.get(cycle[cycle.length - 2]!)!;
    last.needs = last.needs.filter((id) => id !== cycle[cycle.length - 1]);
  }
}

/**
 * Whether the graph of positions has a cycle: an iterative depth-first search (no strings as
 * keys, no frame objects), so the common acyclic plan skips {@link findCycle}'s search, which
 * names the cycle.
 */
function hasCycle(edgeStart: Int32Array, edgeTo: readonly number[]): boolean {
  const count = edgeStart.length - 1;
  const state = new Uint8Array(count); // 0 new, 1 on the path, 2 done
  const next = edgeStart.slice(0, count); // each node's next edge to follow
  const stack: number[] = [];
  for (let root = 0; root < count; root++) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    stack.push(root);
    while (stack.length > 0) {
      const node = stack[stack.length - 1]!;
      if (next[node]! >= edgeStart[node + 1]!) {
        state[node] = 2;
        stack.pop();
        continue;
      }
      const dep = edgeTo[next[node]!++]!;
      if (state[dep] === 1) return true;
      if (state[dep] === 0) {
        state[dep] = 1;
        stack.push(dep);
      }
    }
  }
  return false;
}
