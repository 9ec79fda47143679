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
  /** String entries of `needs`, with their index in the list. */
  needs: Array<{ id: string; index: number }>;
  spec: TaskSpec;
}

const PHASE_RANK = new Map<Phase, number>(PHASES.map((phase, rank) => [phase, rank]));
/** Enough to show a tangled plan's cycles without flooding the output. */
const MAX_CYCLES = 10;

/**
 * Checks the dependency graph: duplicate ids, unknown and self dependencies, dependencies on a
 * later phase, and cycles. Linear in tasks + dependencies apart from the bounded cycle search.
 */
export function checkGraph(tasks: readonly TaskDraft[], sink: ProblemSink): void {
  const firstIndex = new Map<string, number>();
  const byId = new Map<string, TaskDraft>();
  // Indexed loops and no closure per task or need: this runs for every task of a plan being
  // imported, mostly before V8 optimises it (where each `for of` step and closure allocates).
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t]!;
    if (task.id === undefined) continue;
    const first = firstIndex.get(task.id);
    if (first === undefined) {
      firstIndex.set(task.id, task.index);
      byId.set(task.id, task);
      continue;
    }
    sink.add(
      PLAN_CODES.duplicateId,
      `task id "${task.id}" is used twice: ${sink.where(['tasks', first])} and ${sink.where(['tasks', task.index])}`,
      ['tasks', task.index, 'id'],
    );
  }

  const edges = new Map<string, string[]>();
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t]!;
    const known: string[] = [];
    for (let n = 0; n < task.needs.length; n++) {
      const need = task.needs[n]!;
      if (need.id === task.id) {
        // A duplicate naming its own id means the other task of that id; the duplicate is the problem.
        if (byId.get(need.id) === task)
          sink.add(PLAN_CODES.cycle, `${taskLabel(task)} needs itself`, needPath(task, need));
        continue;
      }
      const dep = byId.get(need.id);
      if (!dep) {
        sink.add(
          PLAN_CODES.unknownDep,
          `${taskLabel(task)} needs "${need.id}", which is not a task in this plan`,
          needPath(task, need),
        );
        continue;
      }
      known.push(need.id);
      if (task.phase && dep.phase && PHASE_RANK.get(dep.phase)! > PHASE_RANK.get(task.phase)!) {
        sink.add(
          PLAN_CODES.phaseOrder,
          `${taskLabel(task)} (phase ${task.phase}) needs "${need.id}" of the later phase ${dep.phase}; phases run in order ${PHASES.join(' -> ')}, so it could never start`,
          needPath(task, need),
        );
      }
    }
    // The first task with an id owns the graph node; duplicates were reported above.
    if (task.id !== undefined && byId.get(task.id) === task) edges.set(task.id, known);
  }
  reportCycles(edges, byId, sink);
}

/** How a problem names a task: by id, or by position when it has none. */
function taskLabel(task: TaskDraft): string {
  return task.id === undefined ? `tasks[${task.index}]` : `task "${task.id}"`;
}

/** Where a problem with one of a task's `needs` is. */
function needPath(task: TaskDraft, need: TaskDraft['needs'][number]): (string | number)[] {
  return ['tasks', task.index, 'needs', need.index];
}

/** Reports cycles one by one, cutting each one's closing edge so the next search finds another. */
function reportCycles(edges: Map<string, string[]>, byId: Map<string, TaskDraft>, sink: ProblemSink): void {
  if (!hasCycle(edges)) return;
  const graph: GraphTask[] = [...edges].map(([id, needs]) => ({ id, needs }));
  const nodes = new Map(graph.map((node) => [node.id, node]));
  for (let found = 0; found < MAX_CYCLES; found++) {
    const cycle = findCycle(graph);
    if (!cycle) return;
    const [from, to] = [cycle[0]!, cycle[1]!];
    const task = byId.get(from)!;
    const needIndex = task.needs.find((need) => need.id === to)?.index ?? 0;
    sink.add(PLAN_CODES.cycle, `dependency cycle: ${cycle.join(' -> ')}`, [
      'tasks',
      task.index,
      'needs',
      needIndex,
    ]);
    const last = nodes.get(cycle[cycle.length - 2]!)!;
    last.needs = last.needs.filter((id) => id !== cycle[cycle.length - 1]);
  }
}

/**
 * Whether the graph has a cycle: an iterative depth-first search over task indices (no strings
 * as keys, no frame objects), so the common acyclic plan skips {@link findCycle}'s search, which
 * names the cycle.
 */
function hasCycle(edges: Map<string, string[]>): boolean {
  const index = new Map<string, number>();
  const targets: string[][] = [];
  // `forEach`, not `for of` with destructuring: no entry array and iterator result per task.
  edges.forEach((needs, id) => {
    index.set(id, targets.length);
    targets.push(needs);
  });
  const state = new Uint8Array(targets.length); // 0 new, 1 on the path, 2 done
  const next = new Int32Array(targets.length);
  const stack: number[] = [];
  for (let root = 0; root < targets.length; root++) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    stack.push(root);
    while (stack.length > 0) {
      const node = stack[stack.length - 1]!;
      const needs = targets[node]!;
      if (next[node]! >= needs.length) {
        state[node] = 2;
        stack.pop();
        continue;
      }
      const dep = index.get(needs[next[node]!++]!);
      if (dep === undefined) continue;
      if (state[dep] === 1) return true;
      if (state[dep] === 0) {
        state[dep] = 1;
        stack.push(dep);
      }
    }
  }
  return false;
}
