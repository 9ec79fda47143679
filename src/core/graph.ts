import { InternalError } from '../errors.js';
import { intersectingPairs } from './glob-overlap.js';
import { type Estimate, PHASES, type Phase, type TaskSpec } from './types.js';
import { phaseMeanWork, taskWork } from './work.js';

/**
 * The task graph of a plan. Phases run in order as barriers (every task of a phase starts
 * after every task of the earlier phases finished), so inside a phase only same-phase `needs`
 * matter: an edge to an earlier phase is implied by the barrier, an edge to a later phase is
 * rejected by validation and ignored here, as are unknown ids. Everything is iterative and
 * O(V + E): a 10,000-task chain must not overflow the stack.
 */

/** The part of a task the graph functions need. */
export type GraphTask = Pick<TaskSpec, 'id' | 'needs'>;

/**
 * A task as the phase-aware graph functions see it. `work` (minutes), when present, is used as
 * is, as the scheduler's tasks carry it; otherwise it comes from `estimate` (see {@link taskWork}).
 */
export interface PhasedTask {
  id: string;
  phase: Phase;
  needs: readonly string[];
  estimate?: Estimate | undefined;
  work?: number | undefined;
}

/** A task that also declares the paths it touches. */
export interface FileTask extends PhasedTask {
  files: readonly string[];
}

/** The longest chain of work through the plan, phase by phase. */
export interface CriticalPath {
  /** Task ids in execution order; spans the phases in order. */
  path: string[];
  /** Summed work of the path, in minutes. */
  length: number;
}

/** Two tasks of one phase that may touch the same paths and may run at the same time. */
export interface FileOverlap {
  /** The task that comes first in the plan. */
  a: string;
  b: string;
  /** The globs that may intersect, as `[glob of a, glob of b]`. */
  files: Array<[string, string]>;
}

/**
 * A cycle among `needs`, as the path that closes it (`['a', 'b', 'a']`), or `null`.
 * Unknown dependencies are ignored here; validation reports them separately.
 * Iterative DFS: a 10,000-task chain must not overflow the stack.
 */
export function findCycle(tasks: readonly GraphTask[]): string[] | null {
  const needs = new Map(tasks.map((task) => [task.id, task.needs] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of needs.keys()) {
    if (state.has(root)) continue;
    const path: string[] = [];
    const stack: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    state.set(root, 'visiting');
    path.push(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const deps = needs.get(frame.id) ?? [];
      if (frame.next >= deps.length) {
        state.set(frame.id, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const dep = deps[frame.next++]!;
      if (!needs.has(dep)) continue;
      const seen = state.get(dep);
      if (seen === 'visiting') return [...path.slice(path.indexOf(dep)), dep];
      if (seen === undefined) {
        state.set(dep, 'visiting');
        path.push(dep);
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return null;
}

export { phaseMeanWork, taskWork } from './work.js';

/** Work of every task, in plan order. */
export function workOf(tasks: readonly PhasedTask[]): number[] {
  const means = phaseMeanWork(tasks);
  return tasks.map((task) => task.work ?? taskWork(task, means[task.phase]));
}

/** Summed work of all tasks, in minutes. */
export function totalWork(tasks: readonly PhasedTask[]): number {
  return workOf(tasks).reduce((sum, work) => sum + work, 0);
}

/**
 * Task ids in an order that runs every task after its dependencies: phase by phase, and inside
 * a phase the plan order, except that a task's dependencies are pulled in front of it. A plan
 * already written in order comes back unchanged.
 */
export function topologicalOrder(tasks: readonly PhasedTask[]): string[] {
  return orderOf(indexGraph(tasks));
}

function orderOf(graph: IndexedGraph): string[] {
  return graph.order.map((i) => graph.ids[i]!);
}

/**
 * Depth levels, phase by phase: wave k of a phase holds the tasks whose longest same-phase
 * chain of dependencies has k links, in plan order; a phase's waves follow the earlier phase's.
 */
export function waves(tasks: readonly PhasedTask[]): string[][] {
  return wavesOf(indexGraph(tasks));
}

function wavesOf(graph: IndexedGraph): string[][] {
  const depth = new Int32Array(graph.ids.length);
  // Indexed loops in this module's per-task work: `plan` runs it once per process, mostly before
  // V8 optimises it, where `for of` costs an iterator step (and a result object) per item.
  for (let k = 0; k < graph.order.length; k++) {
    const i = graph.order[k]!;
    const deps = graph.deps[i]!;
    for (let d = 0; d < deps.length; d++) depth[i] = Math.max(depth[i]!, depth[deps[d]!]! + 1);
  }
  const result: string[][] = [];
  for (const members of graph.byPhase) {
    const levels: string[][] = [];
    for (let k = 0; k < members.length; k++) {
      const i = members[k]!;
      const level = levels[depth[i]!];
      if (level) level.push(graph.ids[i]!);
      else levels[depth[i]!] = [graph.ids[i]!];
    }
    result.push(...levels);
  }
  return result;
}

/**
 * The longest chain of work, phase-aware: inside each phase the heaviest same-phase chain,
 * concatenated in phase order, since phases never overlap. Ties go to the task first in the
 * plan, and between dependencies to the one listed first in `needs`.
 */
export function criticalPath(tasks: readonly PhasedTask[]): CriticalPath {
  return criticalPathOf(indexGraph(tasks), workOf(tasks));
}

function criticalPathOf(graph: IndexedGraph, work: readonly number[]): CriticalPath {
  const finish = new Float64Array(graph.ids.length);
  const previous = new Int32Array(graph.ids.length).fill(-1);
  for (let k = 0; k < graph.order.length; k++) {
    const i = graph.order[k]!;
    const deps = graph.deps[i]!;
    let start = 0;
    for (let d = 0; d < deps.length; d++) {
      const dep = deps[d]!;
      if (previous[i] === -1 || finish[dep]! > start) {
        start = finish[dep]!;
        previous[i] = dep;
      }
    }
    finish[i] = start + work[i]!;
  }
  const path: string[] = [];
  let length = 0;
  for (const members of graph.byPhase) {
    let end = -1;
    for (let k = 0; k < members.length; k++) {
      const i = members[k]!;
      if (end === -1 || finish[i]! > finish[end]!) end = i;
    }
    if (end === -1) continue;
    length += finish[end]!;
    const chain: string[] = [];
    for (let i = end; i !== -1; i = previous[i]!) chain.push(graph.ids[i]!);
    path.push(...chain.reverse());
  }
  return { path, length };
}

/**
 * `1 - criticalPath / totalWork`: 0 for a chain (nothing can run side by side), close to 1 for
 * many independent tasks of equal work; 0 for an empty plan or one without work.
 */
export function parallelScore(tasks: readonly PhasedTask[]): number {
  return parallelScoreFrom(criticalPath(tasks).length, totalWork(tasks));
}

/** {@link parallelScore} from figures already computed. */
export function parallelScoreFrom(criticalPathLength: number, total: number): number {
  return total > 0 ? Math.max(0, 1 - criticalPathLength / total) : 0;
}

/**
 * For every task, the longest work from its start to the end of the milestone: itself, its
 * heaviest chain of same-phase dependents, and the critical paths of all later phases. The
 * first task of the critical path gets the critical path's length. The scheduler's priority.
 */
export function remainingCriticalPath(
  tasks: readonly PhasedTask[],
  basis: GraphBasis = graphBasis(tasks),
): Map<string, number> {
  const remaining = remainingWork(basis);
  const result = new Map<string, number>();
  const { graph } = basis;
  for (let p = 0; p < graph.byPhase.length; p++) {
    const members = graph.byPhase[p]!;
    for (let k = 0; k < members.length; k++) result.set(graph.ids[members[k]!]!, remaining[members[k]!]!);
  }
  return result;
}

/** {@link remainingCriticalPath} by task index (plan order). */
export function remainingWork(basis: GraphBasis): Float64Array {
  const { graph, work } = basis;
  const tail = new Float64Array(graph.ids.length);
  for (let k = graph.order.length - 1; k >= 0; k--) {
    const i = graph.order[k]!;
    let after = 0;
    const dependents = graph.dependents[i]!;
    for (let d = 0; d < dependents.length; d++) after = Math.max(after, tail[dependents[d]!]!);
    tail[i] = work[i]! + after;
  }
  // Per phase its longest chain, then added to each task the summed chains of the later phases.
  const phaseLength = new Float64Array(graph.byPhase.length);
  for (let p = 0; p < graph.byPhase.length; p++) {
    const members = graph.byPhase[p]!;
    let max = 0;
    for (let k = 0; k < members.length; k++) max = Math.max(max, tail[members[k]!]!);
    phaseLength[p] = max;
  }
  for (let p = 0; p < graph.byPhase.length; p++) {
    let later = 0;
    for (let q = p + 1; q < phaseLength.length; q++) later += phaseLength[q]!;
    const members = graph.byPhase[p]!;
    for (let k = 0; k < members.length; k++) tail[members[k]!] = tail[members[k]!]! + later;
  }
  return tail;
}

/**
 * Pairs of tasks of the same phase whose `files` globs may intersect while neither reaches the
 * other through `needs`, so they could run at the same time and collide. Ordered by phase, then
 * plan order. Candidates come from {@link intersectingPairs} (bucketed, not all pairs);
 * reachability is checked only for them.
 */
export function fileOverlaps(tasks: readonly FileTask[]): FileOverlap[] {
  return overlapsOf(indexGraph(tasks), tasks);
}

/** What `analyzeGraph` reports, computed over one shared index of the graph. */
export interface GraphFigures {
  order: string[];
  waves: string[][];
  criticalPath: CriticalPath;
  totalWork: number;
  overlaps: FileOverlap[];
}

/**
 * What the graph measures of one task list share: its index and the work of each task. Build it
 * once with {@link graphBasis} and hand it to each measure of the same tasks.
 */
export interface GraphBasis {
  readonly graph: IndexedGraph;
  /** {@link workOf} the tasks (read only). */
  readonly work: readonly number[];
}

/** The {@link GraphBasis} of `tasks`. */
export function graphBasis(tasks: readonly PhasedTask[]): GraphBasis {
  return { graph: indexGraph(tasks), work: workOf(tasks) };
}

/** {@link topologicalOrder}, {@link waves}, {@link criticalPath}, total work and {@link fileOverlaps} at once. */
export function graphFigures(
  tasks: readonly FileTask[],
  basis: GraphBasis = graphBasis(tasks),
): GraphFigures {
  const { graph, work } = basis;
  return {
    order: orderOf(graph),
    waves: wavesOf(graph),
    criticalPath: criticalPathOf(graph, work),
    totalWork: work.reduce((sum, value) => sum + value, 0),
    overlaps: overlapsOf(graph, tasks),
  };
}

function overlapsOf(graph: IndexedGraph, tasks: readonly FileTask[]): FileOverlap[] {
  const result: FileOverlap[] = [];
  // Indexed loops, no per-pair closures: `plan` runs this once, mostly before V8 optimises it.
  for (let p = 0; p < graph.byPhase.length; p++) {
    const members = graph.byPhase[p]!;
    if (members.length < 2) continue;
    const files: Array<readonly string[]> = [];
    for (let k = 0; k < members.length; k++) files.push(tasks[members[k]!]!.files);
    const pairs = intersectingPairs(files, (a, b) => unorderedPairs(graph, members, a, b));
    for (let k = 0; k < pairs.length; k++) {
      const pair = pairs[k]!;
      result.push({ a: graph.ids[members[pair.a]!]!, b: graph.ids[members[pair.b]!]!, files: pair.files });
    }
  }
  return result;
}

/** For pairs of `members` (local indices), whether neither task reaches the other. */
function unorderedPairs(
  graph: IndexedGraph,
  members: readonly number[],
  a: Int32Array,
  b: Int32Array,
): boolean[] {
  const x = new Int32Array(a.length);
  const y = new Int32Array(b.length);
  for (let k = 0; k < a.length; k++) {
    x[k] = members[a[k]!]!;
    y[k] = members[b[k]!]!;
  }
  const ordered = orderedPairs(graph, x, y);
  const keep: boolean[] = [];
  for (let k = 0; k < ordered.length; k++) keep.push(ordered[k] === 0);
  return keep;
}

/** The graph in index form: same-phase edges only, tasks grouped by phase in plan order. */
export interface IndexedGraph {
  ids: string[];
  index: Map<string, number>;
  phase: Int8Array;
  /** Same-phase dependencies of each task. */
  deps: number[][];
  /** Same-phase dependents of each task. */
  dependents: number[][];
  /** Per phase (in {@link PHASES} order), its tasks in plan order. */
  byPhase: number[][];
  /** Topological order, see {@link topologicalOrder}. */
  order: number[];
  /** Position of each task in `order`. */
  position: Int32Array;
}

const PHASE_INDEX = new Map<Phase, number>(PHASES.map((phase, i) => [phase, i]));

function indexGraph(tasks: readonly PhasedTask[]): IndexedGraph {
  const ids = tasks.map((task) => task.id);
  const index = new Map<string, number>();
  const phase = new Int8Array(tasks.length);
  const byPhase: number[][] = PHASES.map(() => []);
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    if (index.has(task.id)) throw new InternalError(`duplicate task id ${task.id}`);
    index.set(task.id, i);
    const p = PHASE_INDEX.get(task.phase);
    if (p === undefined) throw new InternalError(`task ${task.id} has unknown phase ${task.phase}`);
    phase[i] = p;
    byPhase[p]!.push(i);
  }
  const deps: number[][] = tasks.map(() => []);
  const dependents: number[][] = tasks.map(() => []);
  for (let i = 0; i < tasks.length; i++) {
    const needs = tasks[i]!.needs;
    for (let n = 0; n < needs.length; n++) {
      const dep = index.get(needs[n]!);
      if (dep === undefined || phase[dep] !== phase[i] || deps[i]!.includes(dep)) continue;
      deps[i]!.push(dep);
      dependents[dep]!.push(i);
    }
  }
  const order = dependencyOrder(ids, deps, byPhase);
  const position = new Int32Array(tasks.length);
  for (let k = 0; k < order.length; k++) position[order[k]!] = k;
  return { ids, index, phase, deps, dependents, byPhase, order, position };
}

/** Iterative post-order DFS from each task in plan order: dependencies first, then the task. */
function dependencyOrder(ids: readonly string[], deps: readonly number[][], byPhase: number[][]): number[] {
  const state = new Uint8Array(ids.length); // 0 new, 1 on the stack, 2 emitted
  const order: number[] = [];
  const stack: Array<{ node: number; next: number }> = [];
  for (const members of byPhase) {
    for (const root of members) {
      if (state[root] !== 0) continue;
      state[root] = 1;
      stack.push({ node: root, next: 0 });
      while (stack.length > 0) {
        const frame = stack[stack.length - 1]!;
        const nodeDeps = deps[frame.node]!;
        if (frame.next < nodeDeps.length) {
          const dep = nodeDeps[frame.next++]!;
          if (state[dep] === 1) throw new InternalError(`dependency cycle through ${ids[dep]}`);
          if (state[dep] === 0) {
            state[dep] = 1;
            stack.push({ node: dep, next: 0 });
          }
          continue;
        }
        state[frame.node] = 2;
        order.push(frame.node);
        stack.pop();
      }
    }
  }
  return order;
}

/** Column budget of one reachability pass, in 32-bit words over all tasks of a phase. */
const REACH_WORDS = 1 << 22;

/**
 * For each index pair (`a[k]`, `b[k]`), 1 when it is ordered (different phases, or one reaches
 * the other), else 0. One bit column per distinct "earlier" task of a same-phase pair; bitsets
 * are filled in topological order (a task reaches what its dependencies reach, plus them), in
 * chunks of columns so memory stays bounded (16 MiB) however many pairs there are.
 */
function orderedPairs(graph: IndexedGraph, a: Int32Array, b: Int32Array): Uint8Array {
  const result = new Uint8Array(a.length);
  // Per phase: only the later task (in topological order) can reach the earlier one.
  const queries = PHASES.map(() => ({ k: [] as number[], from: [] as number[], to: [] as number[] }));
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x === y || graph.phase[x] !== graph.phase[y]) {
      result[k] = 1;
      continue;
    }
    const later = graph.position[x]! > graph.position[y]!;
    const query = queries[graph.phase[x]!]!;
    query.k.push(k);
    query.from.push(later ? x : y);
    query.to.push(later ? y : x);
  }
  const column = new Int32Array(graph.ids.length).fill(-1);
  const row = new Int32Array(graph.ids.length);
  // The topological order lists the phases one after the other: a phase's run of it is its
  // members by position.
  let phaseStart = 0;
  for (let p = 0; p < queries.length; p++) {
    const query = queries[p]!;
    const size = graph.byPhase[p]!.length;
    const start = phaseStart;
    phaseStart += size;
    if (query.k.length === 0) continue;
    const members = graph.order.slice(start, start + size);
    for (let r = 0; r < members.length; r++) row[members[r]!] = r;
    let columns = 0;
    for (let q = 0; q < query.to.length; q++)
      if (column[query.to[q]!] === -1) column[query.to[q]!] = columns++;
    const chunkWords = Math.max(
      1,
      Math.min(Math.ceil(columns / 32), Math.floor(REACH_WORDS / members.length)),
    );
    for (let first = 0; first < columns; first += chunkWords * 32) {
      const bits = reachBits(graph, members, row, column, first, chunkWords);
      markReached(query, bits, row, column, first, chunkWords, result);
    }
    for (let q = 0; q < query.to.length; q++) column[query.to[q]!] = -1;
  }
  return result;
}

/**
 * One chunk of reachability bits, a row per member (in topological order): the columns
 * `first..first + 32 chunkWords` of what each member reaches. Its own function, like
 * {@link markReached}: V8 optimises a hot loop together with all of the function holding it.
 */
function reachBits(
  graph: IndexedGraph,
  members: readonly number[],
  row: Int32Array,
  column: Int32Array,
  first: number,
  chunkWords: number,
): Uint32Array {
  const chunkColumns = chunkWords * 32;
  const bits = new Uint32Array(members.length * chunkWords);
  for (let m = 0; m < members.length; m++) {
    const node = members[m]!;
    const base = row[node]! * chunkWords;
    const deps = graph.deps[node]!;
    for (let d = 0; d < deps.length; d++) {
      const dep = deps[d]!;
      const depBase = row[dep]! * chunkWords;
      for (let w = 0; w < chunkWords; w++) bits[base + w]! |= bits[depBase + w]!;
      const c = column[dep]! - first;
      if (column[dep]! >= 0 && c >= 0 && c < chunkColumns) bits[base + (c >>> 5)]! |= 1 << (c & 31);
    }
  }
  return bits;
}

/** Sets `result[k]` for the queries whose `from` reaches its `to` in this chunk of columns. */
function markReached(
  query: { k: number[]; from: number[]; to: number[] },
  bits: Uint32Array,
  row: Int32Array,
  column: Int32Array,
  first: number,
  chunkWords: number,
  result: Uint8Array,
): void {
  const chunkColumns = chunkWords * 32;
  for (let q = 0; q < query.k.length; q++) {
    const c = column[query.to[q]!]! - first;
    if (c < 0 || c >= chunkColumns) continue;
    if (bits[row[query.from[q]!]! * chunkWords + (c >>> 5)]! & (1 << (c & 31))) result[query.k[q]!] = 1;
  }
}
