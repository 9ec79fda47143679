import type { TaskSpec } from './types.js';

/** The part of a task the graph functions need. */
export type GraphTask = Pick<TaskSpec, 'id' | 'needs'>;

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
