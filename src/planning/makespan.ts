import { type GraphBasis, graphBasis, type PhasedTask, remainingCriticalPath } from '../core/graph.js';
import { PHASES } from '../core/types.js';
import { type IndexHeap, indexHeap } from './index-heap.js';

/**
 * Expected wall time of a plan with 1..`maxAgents` agents, by list scheduling: phase after
 * phase (phases are barriers), whenever an agent is free it takes the ready task with the
 * longest remaining critical path (ties: plan order); a task is ready when its same-phase
 * `needs` have finished. Work is the PERT expectation (unestimated tasks: their phase's mean,
 * as everywhere in core/graph.ts). One agent gives the total work; enough agents give the
 * critical path. Each agent count is one event simulation with two heaps: O(n log n + E).
 * Returns minutes, index k for k + 1 agents.
 */
export function makespanCurve(
  tasks: readonly PhasedTask[],
  maxAgents: number,
  basis: GraphBasis = graphBasis(tasks),
): number[] {
  const { work } = basis;
  const remaining = remainingCriticalPath(tasks, basis);
  // Negated: the ready heap is a min-heap, and the longest remaining chain goes first.
  const negativePriority = Float64Array.from(tasks, (task) => -(remaining.get(task.id) ?? 0));
  const index = new Map(tasks.map((task, i) => [task.id, i] as const));
  const indegree = new Int32Array(tasks.length);
  const dependents: number[][] = tasks.map(() => []);
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    // Each distinct need once; a Set only for a long list (a short one is searched).
    const needs = task.needs.length > 16 ? [...new Set(task.needs)] : task.needs;
    for (let n = 0; n < needs.length; n++) {
      const need = needs[n]!;
      if (needs.length <= 16 && needs.indexOf(need) !== n) continue;
      const dep = index.get(need);
      // Only same-phase needs order tasks inside a phase; earlier phases are behind the barrier.
      if (dep === undefined || tasks[dep]!.phase !== task.phase) continue;
      indegree[i]!++;
      dependents[dep]!.push(i);
    }
  }
  const byPhase = PHASES.map((phase) => tasks.flatMap((task, i) => (task.phase === phase ? [i] : [])));
  const finish = new Float64Array(tasks.length);
  const sim: Simulation = {
    work,
    indegree,
    dependents,
    waiting: new Int32Array(tasks.length),
    finish,
    ready: indexHeap(negativePriority, tasks.length),
    running: indexHeap(finish, tasks.length),
    waited: false,
  };
  const curve: number[] = [];
  // A phase where no ready task waited for an agent has its final length: more agents cannot
  // change its schedule (phases are independent runs), so it is not simulated again.
  const settled: Array<number | undefined> = byPhase.map(() => undefined);
  for (let agents = 1; curve.length < maxAgents; agents++) {
    let total = 0;
    let waited = false;
    for (let p = 0; p < byPhase.length; p++) {
      let length = settled[p];
      if (length === undefined) {
        sim.waited = false;
        length = phaseMakespan(byPhase[p]!, agents, sim);
        if (sim.waited) waited = true;
        else settled[p] = length;
      }
      total += length;
    }
    curve.push(total);
    // No ready task ever waited for an agent: more agents cannot change the schedule.
    if (!waited) while (curve.length < maxAgents) curve.push(curve[agents - 1]!);
  }
  return curve;
}

/** The state of one simulation, shared across phases and agent counts (each run resets what it uses). */
interface Simulation {
  work: readonly number[];
  indegree: Int32Array;
  dependents: readonly number[][];
  waiting: Int32Array;
  finish: Float64Array;
  /** Ready tasks, longest remaining critical path first. */
  ready: IndexHeap;
  /** Running tasks, earliest finish first. */
  running: IndexHeap;
  /** Whether a ready task had to wait for a free agent in this run. */
  waited: boolean;
}

function phaseMakespan(members: readonly number[], agents: number, sim: Simulation): number {
  const { work, indegree, dependents, waiting, finish, ready, running } = sim;
  ready.clear();
  running.clear();
  // Indexed loops and no closure: this runs for every task, once per agent count, mostly before
  // V8 optimises it (where `for of` costs an iterator and a result object per step).
  for (let k = 0; k < members.length; k++) {
    const i = members[k]!;
    waiting[i] = indegree[i]!;
    if (indegree[i] === 0) ready.push(i);
  }
  let now = 0;
  let free = agents;
  while (ready.size() > 0 || running.size() > 0) {
    while (free > 0 && ready.size() > 0) {
      const i = ready.pop();
      finish[i] = now + work[i]!;
      running.push(i);
      free--;
    }
    if (ready.size() > 0) sim.waited = true;
    const done = running.pop();
    now = finish[done]!;
    free++;
    release(done, dependents, waiting, ready);
    // Everything ending at the same instant frees its agent before the next pick.
    while (running.size() > 0 && finish[running.peek()] === now) {
      free++;
      release(running.pop(), dependents, waiting, ready);
    }
  }
  return now;
}

/** Task `i` finished: its dependents it was the last wait of become ready. */
function release(i: number, dependents: readonly number[][], waiting: Int32Array, ready: IndexHeap): void {
  const next = dependents[i]!;
  for (let k = 0; k < next.length; k++) if (--waiting[next[k]!]! === 0) ready.push(next[k]!);
}
