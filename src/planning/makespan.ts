import { type GraphBasis, graphBasis, type PhasedTask, remainingWork } from '../core/graph.js';

/**
 * Expected wall time of a plan with 1..`maxAgents` agents, by list scheduling: phase after
 * phase (phases are barriers), whenever an agent is free it takes the ready task with the
 * longest remaining critical path (ties: plan order); a task is ready when its same-phase
 * `needs` have finished. Work is the PERT expectation (unestimated tasks: their phase's mean,
 * as everywhere in core/graph.ts). One agent gives the total work; enough agents give the
 * critical path. Each agent count is one event simulation with a heap of the ready tasks:
 * O(n (log n + agents) + E).
 * Returns minutes, index k for k + 1 agents.
 */
export function makespanCurve(
  tasks: readonly PhasedTask[],
  maxAgents: number,
  basis: GraphBasis = graphBasis(tasks),
): number[] {
  const { graph } = basis;
  const count = graph.ids.length;
  // A task that never ends would hold the simulation forever (NaN work: an estimate not parsed).
  for (let i = 0; i < count; i++) {
    const work = basis.work[i]!;
    if (!(work >= 0 && work < Number.POSITIVE_INFINITY))
      throw new RangeError(`task ${graph.ids[i]}: work ${work} is not a finite number of minutes`);
  }
  // The graph's same-phase edges (each distinct need once) are the simulation's: only they order
  // tasks inside a phase, earlier phases are behind the barrier.
  const sim: Simulation = {
    work: basis.work,
    deps: graph.deps,
    dependents: graph.dependents,
    ...pickOrder(remainingWork(basis)),
    waiting: new Int32Array(count),
    finish: new Float64Array(count),
    ready: new Int32Array(Math.max(1, count)),
    readySize: 0,
    running: new Int32Array(Math.max(1, count)),
    waited: false,
  };
  const byPhase = graph.byPhase;
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

/**
 * The order in which ready tasks are picked, as ranks: the longest remaining chain first, ties
 * in plan order. The ready heap then holds small integers it compares directly (no float loads,
 * which allocate before V8 optimises the loop). One native sort, and per task a binary search
 * for the values above its own (equal values share one run of ranks, handed out by index).
 */
function pickOrder(remaining: Float64Array): { rank: Int32Array; taskAt: Int32Array } {
  const count = remaining.length;
  const sorted = remaining.slice().sort();
  const rank = new Int32Array(count);
  const taskAt = new Int32Array(count);
  const taken = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const value = remaining[i]!;
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! <= value) lo = mid + 1;
      else hi = mid;
    }
    const above = count - lo;
    const r = above + taken[above]!++;
    rank[i] = r;
    taskAt[r] = i;
  }
  return { rank, taskAt };
}

/** The state of one simulation, shared across phases and agent counts (each run resets what it uses). */
interface Simulation {
  work: readonly number[];
  deps: readonly (readonly number[])[];
  dependents: readonly (readonly number[])[];
  /** Pick order of each task (see {@link pickOrder}), and the task of each rank. */
  rank: Int32Array;
  taskAt: Int32Array;
  /** Same-phase needs not yet finished, per task. */
  waiting: Int32Array;
  finish: Float64Array;
  /** Min-heap of the ready tasks' ranks. */
  ready: Int32Array;
  readySize: number;
  /** The running tasks of {@link phaseMakespan}, in no order. */
  running: Int32Array;
  /** Whether a ready task had to wait for a free agent in this run. */
  waited: boolean;
}

function phaseMakespan(members: readonly number[], agents: number, sim: Simulation): number {
  const { work, deps, finish, waiting, rank, taskAt, running } = sim;
  sim.readySize = 0;
  // Indexed loops and no closure: this runs for every task, once per agent count, mostly before
  // V8 optimises it (where `for of` costs an iterator and a result object per step).
  for (let k = 0; k < members.length; k++) {
    const i = members[k]!;
    waiting[i] = deps[i]!.length;
    if (waiting[i] === 0) pushReady(sim, rank[i]!);
  }
  let now = 0;
  let free = agents;
  let runningSize = 0;
  while (sim.readySize > 0 || runningSize > 0) {
    while (free > 0 && sim.readySize > 0) {
      const i = taskAt[popReady(sim)]!;
      finish[i] = now + work[i]!;
      running[runningSize++] = i;
      free--;
    }
    if (sim.readySize > 0) sim.waited = true;
    // The running tasks (at most `agents`) in no order: the earliest end is found by a scan, and
    // everything ending then frees its agent before the next pick, so which of them ends first
    // changes nothing. The scans take every branch from the first run on, so V8 does not
    // optimise them before it saw them run (and throw that code away once they do).
    let end = Number.POSITIVE_INFINITY;
    for (let r = 0; r < runningSize; r++) end = Math.min(end, finish[running[r]!]!);
    now = end;
    let kept = 0;
    for (let r = 0; r < runningSize; r++) {
      const i = running[r]!;
      running[kept] = i;
      const ended = finish[i] === end;
      kept += ended ? 0 : 1;
      if (ended) {
        free++;
        release(i, sim);
      }
    }
    runningSize = kept;
  }
  return now;
}

/** Task `i` finished: its dependents it was the last wait of become ready. */
function release(i: number, sim: Simulation): void {
  const next = sim.dependents[i]!;
  for (let k = 0; k < next.length; k++) {
    const j = next[k]!;
    if (--sim.waiting[j]! === 0) pushReady(sim, sim.rank[j]!);
  }
}

function pushReady(sim: Simulation, r: number): void {
  const heap = sim.ready;
  let i = sim.readySize++;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const above = heap[parent]!;
    if (above < r) break;
    heap[i] = above;
    i = parent;
  }
  heap[i] = r;
}

function popReady(sim: Simulation): number {
  const heap = sim.ready;
  const top = heap[0]!;
  const length = --sim.readySize;
  const last = heap[length]!;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= length) break;
    if (child + 1 < length && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! > last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return top;
}
