import { intersectingEntryPairs } from '../core/glob-overlap.js';
import { findCycle, remainingCriticalPath } from '../core/graph.js';
import { PHASES, type Phase } from '../core/types.js';
import { InternalError } from '../errors.js';

/**
 * Which task may start next: a pure decision over a plain-data graph (Nx tasks-runner style).
 * The worker loop that starts agents, waits, merges and retries lives elsewhere; it asks
 * `next()`, reports `complete()` and stops when `hasTasks()` is false.
 */

/** A task as the scheduler sees it. */
export interface ScheduleTask {
  id: string;
  phase: Phase;
  /** Ids of tasks that must succeed first. */
  needs: string[];
  /** Globs of the paths it touches; two tasks whose globs may intersect never run at once. */
  files: string[];
  /** Expected work in minutes (PERT), for priority. */
  work: number;
}

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  /** Most tasks running at once; 1 runs them one by one in a valid order (direct mode). */
  concurrency: number;
  /** Ids already succeeded and merged (a resumed run); they count as succeeded. */
  done?: Iterable<string>;
}

/** How a running task ended. */
export type TaskOutcome = 'succeeded' | 'failed' | 'conflicted' | 'canceled';

/** A task's state in the scheduler; the same words as the store's task statuses. */
export type ScheduleState =
  | 'pending'
  | 'ready'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'conflicted'
  | 'canceled';

/** The schedule of one run. */
export interface Scheduler {
  /** Tasks that may start now, best first, up to the free slots; they become `running`. */
  next(): string[];
  /**
   * Records how a running task ended. On any outcome but `succeeded`, its transitive
   * dependents and every task of later phases become `skipped` and are returned.
   */
  complete(id: string, outcome: TaskOutcome): { skipped: string[] };
  /** Whether anything is still pending, ready or running (blocked tasks aside). */
  hasTasks(): boolean;
  /** Ids of the running tasks, in the order they started. */
  running(): string[];
  state(id: string): ScheduleState;
}

/**
 * Builds the schedule. Rules:
 * - a task is ready when all its `needs` succeeded and every task of the earlier phases
 *   succeeded (phases are barriers);
 * - two tasks of a phase whose `files` may intersect never run at once (tasks ordered by
 *   `needs` never do anyway, so pairs are not checked for order); a task without `files`
 *   conflicts with nothing, as the merge queue still catches real conflicts;
 * - at most `concurrency` tasks run; the ready task with the longest remaining critical path
 *   goes first, ties by plan order.
 *
 * After a failure, same-phase tasks that do not depend on the failed one keep running, so
 * their work lands and a resume repeats only what failed; later phases are skipped at once,
 * since their barrier can never open.
 *
 * Throws an {@link InternalError} for a graph validation should have rejected (duplicate id,
 * unknown need, need on a later phase, cycle): such a graph would never finish.
 */
export function createScheduler(tasks: readonly ScheduleTask[], options: SchedulerOptions): Scheduler {
  const { concurrency } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InternalError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const graph = buildGraph(tasks);
  const count = tasks.length;
  const done = new Set(options.done ?? []);

  const status: ScheduleState[] = tasks.map((task) => (done.has(task.id) ? 'succeeded' : 'pending'));
  const selected = tasks.map((_, i) => status[i] === 'pending');
  const unfinished = PHASES.map(() => 0);
  const waitingNeeds = new Int32Array(count);
  tasks.forEach((_, i) => {
    if (status[i] !== 'succeeded') unfinished[graph.phase[i]!]!++;
    for (const dep of graph.deps[i]!) if (status[dep] !== 'succeeded') waitingNeeds[i]!++;
  });

  // Unfinished tasks outside `only` never finish in this run: phases after them stay shut.
  let active = selected.filter(Boolean).length;

  const priorities = remainingCriticalPath(tasks);
  const priority = tasks.map((task) => priorities.get(task.id) ?? 0);
  const before = (a: number, b: number) => priority[b]! - priority[a]! || a - b;
  let ready: number[] = [];
  const runningSet = new Set<number>();
  const runningConflicts = new Int32Array(count);

  let openUpTo = firstUnfinished();
  function firstUnfinished(): number {
    let p = 0;
    while (p < PHASES.length && unfinished[p] === 0) p++;
    return p;
  }

  function makeReady(i: number): void {
    if (status[i] !== 'pending' || !selected[i]) return;
    if (waitingNeeds[i]! > 0 || graph.phase[i]! > openUpTo) return;
    status[i] = 'ready';
    let low = 0;
    let high = ready.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(ready[mid]!, i) < 0) low = mid + 1;
      else high = mid;
    }
    ready.splice(low, 0, i);
  }

  function indexOf(id: string): number {
    const i = graph.index.get(id);
    if (i === undefined) throw new InternalError(`unknown task ${id}`);
    return i;
  }

  function stopRunning(id: string): number {
    const i = indexOf(id);
    if (status[i] !== 'running') throw new InternalError(`task ${id} is ${status[i]}, not running`);
    runningSet.delete(i);
    for (const other of graph.conflicts[i]!) runningConflicts[other]!--;
    return i;
  }

  function succeed(i: number): void {
    const phase = graph.phase[i]!;
    unfinished[phase]!--;
    for (const next of graph.dependents[i]!) {
      waitingNeeds[next]!--;
      makeReady(next);
    }
    if (unfinished[phase] !== 0) return;
    const previous = openUpTo;
    openUpTo = firstUnfinished();
    for (let p = previous + 1; p <= openUpTo && p < PHASES.length; p++) {
      for (const member of graph.byPhase[p]!) makeReady(member);
    }
  }

  function skipAfter(i: number): string[] {
    const skipped = new Set<number>();
    const skip = (j: number) => {
      if ((status[j] === 'pending' || status[j] === 'ready') && selected[j]) {
        status[j] = 'skipped';
        skipped.add(j);
        active--;
        return true;
      }
      return false;
    };
    const queue = [i];
    while (queue.length > 0) {
      for (const next of graph.dependents[queue.pop()!]!) if (skip(next)) queue.push(next);
    }
    for (let p = graph.phase[i]! + 1; p < PHASES.length; p++) for (const j of graph.byPhase[p]!) skip(j);
    if (skipped.size > 0) ready = ready.filter((j) => !skipped.has(j));
    return [...skipped].sort((a, b) => a - b).map((j) => graph.ids[j]!);
  }

  tasks.forEach((_, i) => {
    makeReady(i);
  });

  return {
    next() {
      const free = concurrency - runningSet.size;
      if (free <= 0 || ready.length === 0) return [];
      const started: number[] = [];
      // Where the last one started stood in `ready`: the ones before it that did not start stay.
      let scanned = 0;
      for (const i of ready) {
        if (started.length === free) break;
        scanned++;
        if (runningConflicts[i]! > 0) continue;
        started.push(i);
        status[i] = 'running';
        runningSet.add(i);
        for (const other of graph.conflicts[i]!) runningConflicts[other]!++;
      }
      // Only the scanned head of the queue changes: a filter of all of it per start was O(tasks)
      // per task (5,000 ready tasks at once in a big flat milestone).
      if (started.length > 0)
        ready.splice(0, scanned, ...ready.slice(0, scanned).filter((i) => status[i] === 'ready'));
      return started.map((i) => graph.ids[i]!);
    },
    complete(id, outcome) {
      const i = stopRunning(id);
      status[i] = outcome;
      active--;
      if (outcome === 'succeeded') {
        succeed(i);
        return { skipped: [] };
      }
      return { skipped: skipAfter(i) };
    },
    hasTasks: () => active > 0,
    running: () => [...runningSet].map((i) => graph.ids[i]!),
    state: (id) => status[indexOf(id)]!,
  };
}

/** Index form of the tasks: dependencies and dependents by index, same-phase file conflicts. */
interface ScheduleGraph {
  ids: string[];
  index: Map<string, number>;
  phase: number[];
  deps: number[][];
  dependents: number[][];
  byPhase: number[][];
  /** Same-phase tasks whose `files` may intersect. */
  conflicts: number[][];
}

function buildGraph(tasks: readonly ScheduleTask[]): ScheduleGraph {
  const ids = tasks.map((task) => task.id);
  const index = new Map<string, number>();
  const byPhase: number[][] = PHASES.map(() => []);
  const phase = tasks.map((task, i) => {
    if (index.has(task.id)) throw new InternalError(`duplicate task ${task.id}`);
    index.set(task.id, i);
    const p = PHASES.indexOf(task.phase);
    if (p < 0) throw new InternalError(`task ${task.id} has unknown phase ${task.phase}`);
    byPhase[p]!.push(i);
    return p;
  });
  const deps: number[][] = tasks.map(() => []);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((task, i) => {
    for (const need of new Set(task.needs)) {
      const dep = index.get(need);
      if (dep === undefined) throw new InternalError(`task ${task.id} needs unknown task ${need}`);
      if (phase[dep]! > phase[i]!) throw new InternalError(`task ${task.id} needs ${need} of a later phase`);
      deps[i]!.push(dep);
      dependents[dep]!.push(i);
    }
  });
  const cycle = findCycle(tasks);
  if (cycle) throw new InternalError(`dependency cycle: ${cycle.join(' -> ')}`);
  const conflicts: number[][] = tasks.map(() => []);
  for (const members of byPhase) {
    const pairs = intersectingEntryPairs(members.map((i) => tasks[i]!.files));
    pairs.a.forEach((a, k) => {
      const x = members[a]!;
      const y = members[pairs.b[k]!]!;
      conflicts[x]!.push(y);
      conflicts[y]!.push(x);
    });
  }
  return { ids, index, phase, deps, dependents, byPhase, conflicts };
}
