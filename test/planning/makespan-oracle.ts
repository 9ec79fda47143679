/**
 * The oracle: src/planning/makespan.ts as it was before it took the graph's edges and picked by
 * rank (two generic heaps, its own index of the needs), so
 * test/planning/makespan.oracle.property.test.ts can check the current module answers exactly
 * as it did. Not used by the program.
 */
import { type PhasedTask, remainingCriticalPath, workOf } from '../../src/core/graph.js';
import { PHASES } from '../../src/core/types.js';

interface Heap {
  push(id: number): void;
  pop(): number;
  peek(): number;
  size(): number;
}

function heap(keys: Float64Array): Heap {
  const items: number[] = [];
  const before = (a: number, b: number) => keys[a]! < keys[b]! || (keys[a] === keys[b] && a < b);
  return {
    push(id) {
      items.push(id);
      for (let i = items.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!before(items[i]!, items[parent]!)) break;
        [items[i], items[parent]] = [items[parent]!, items[i]!];
        i = parent;
      }
    },
    pop() {
      const top = items[0]!;
      const last = items.pop()!;
      if (items.length > 0) {
        items[0] = last;
        for (let i = 0; ; ) {
          const left = 2 * i + 1;
          const right = left + 1;
          let first = i;
          if (left < items.length && before(items[left]!, items[first]!)) first = left;
          if (right < items.length && before(items[right]!, items[first]!)) first = right;
          if (first === i) break;
          [items[i], items[first]] = [items[first]!, items[i]!];
          i = first;
        }
      }
      return top;
    },
    peek: () => items[0]!,
    size: () => items.length,
  };
}

/** Minutes with 1..maxAgents agents, by list scheduling, phase after phase. */
export function makespanCurve(tasks: readonly PhasedTask[], maxAgents: number): number[] {
  const work = workOf(tasks);
  const remaining = remainingCriticalPath(tasks);
  const priority = Float64Array.from(tasks, (task) => -(remaining.get(task.id) ?? 0));
  const index = new Map(tasks.map((task, i) => [task.id, i] as const));
  const indegree = tasks.map(() => 0);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((task, i) => {
    for (const need of new Set(task.needs)) {
      const dep = index.get(need);
      if (dep === undefined || tasks[dep]!.phase !== task.phase) continue;
      indegree[i]!++;
      dependents[dep]!.push(i);
    }
  });
  const curve: number[] = [];
  for (let agents = 1; agents <= maxAgents; agents++) {
    let total = 0;
    for (const phase of PHASES) {
      const members = tasks.flatMap((task, i) => (task.phase === phase ? [i] : []));
      const waiting = [...indegree];
      const finish = new Float64Array(tasks.length);
      const ready = heap(priority);
      const running = heap(finish);
      for (const i of members) if (indegree[i] === 0) ready.push(i);
      let now = 0;
      let free = agents;
      const release = (i: number) => {
        for (const next of dependents[i]!) if (--waiting[next]! === 0) ready.push(next);
      };
      while (ready.size() > 0 || running.size() > 0) {
        while (free > 0 && ready.size() > 0) {
          const i = ready.pop();
          finish[i] = now + work[i]!;
          running.push(i);
          free--;
        }
        const done = running.pop();
        now = finish[done]!;
        free++;
        release(done);
        while (running.size() > 0 && finish[running.peek()] === now) {
          free++;
          release(running.pop());
        }
      }
      total += now;
    }
    curve.push(total);
  }
  return curve;
}
