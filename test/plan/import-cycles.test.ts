import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const PLAN = resolve(import.meta.dirname, '../../src/plan');

/** The modules of src/plan each one imports (type imports too: a cycle of types is still a tangle). */
function planImports(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const name of readdirSync(PLAN).filter((file) => file.endsWith('.ts'))) {
    const source = readFileSync(join(PLAN, name), 'utf8');
    const targets = [...source.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'\.\/([^']+)\.js'/gms)].map(
      (match) => `${match[1]}.ts`,
    );
    graph.set(name, targets);
  }
  return graph;
}

/** One import cycle, as `a.ts -> b.ts -> a.ts`, or null. */
function findCycle(graph: Map<string, string[]>): string | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string | null => {
    if (state.get(file) === 'done') return null;
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file].join(' -> ');
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of graph.keys()) {
    const found = visit(file);
    if (found) return found;
  }
  return null;
}

describe('src/plan modules', () => {
  it('import each other without a cycle (validate -> graph-checks, never back)', () => {
    const graph = planImports();
    expect(graph.get('validate.ts')).toContain('graph-checks.ts');
    expect(findCycle(graph)).toBeNull();
  });
});
