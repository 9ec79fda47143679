import { describe, expect, it } from 'vitest';
import {
  criticalPath,
  type FileTask,
  fileOverlaps,
  findCycle,
  parallelScore,
  phaseMeanWork,
  remainingCriticalPath,
  taskWork,
  topologicalOrder,
  totalWork,
  waves,
} from '../../src/core/graph.js';
import type { Phase } from '../../src/core/types.js';
import { cpuMsSince } from '../helpers/cpu-time.js';

interface Options {
  needs?: string[];
  phase?: Phase;
  files?: string[];
  /** A single-value estimate in minutes. */
  minutes?: number;
}

function task(id: string, options: Options = {}): FileTask & { needs: string[] } {
  const { minutes } = options;
  return {
    id,
    phase: options.phase ?? 'execute',
    needs: options.needs ?? [],
    files: options.files ?? [],
    ...(minutes === undefined
      ? {}
      : { estimate: { optimistic: minutes, likely: minutes, pessimistic: minutes } }),
  };
}

const chain = (n: number) =>
  Array.from({ length: n }, (_, i) => task(`t${i}`, { needs: i > 0 ? [`t${i - 1}`] : [] }));

//   a
//  / \
// b   c      (c weighs 30, b 10, a and d 5)
//  \ /
//   d
const diamond = [
  task('a', { minutes: 5 }),
  task('b', { needs: ['a'], minutes: 10 }),
  task('c', { needs: ['a'], minutes: 30 }),
  task('d', { needs: ['b', 'c'], minutes: 5 }),
];

describe('findCycle', () => {
  it('returns the closing path or null', () => {
    expect(findCycle(diamond)).toBeNull();
    expect(findCycle([task('a', { needs: ['b'] }), task('b', { needs: ['a'] })])).toEqual(['a', 'b', 'a']);
  });
});

describe('taskWork', () => {
  it('is the PERT expectation of the estimate, else the phase mean', () => {
    expect(taskWork({ estimate: { optimistic: 60, likely: 120, pessimistic: 300 } }, 7)).toBe(140);
    expect(taskWork({}, 7)).toBe(7);
  });

  it('takes the mean of the estimated tasks per phase, 1 where none is estimated', () => {
    const tasks = [
      task('a', { minutes: 10 }),
      task('b', { minutes: 30 }),
      task('c'),
      task('d', { phase: 'spec' }),
    ];
    expect(phaseMeanWork(tasks)).toEqual({ design: 1, spec: 1, task: 1, execute: 20 });
    expect(totalWork(tasks)).toBe(10 + 30 + 20 + 1);
  });
});

describe('topologicalOrder', () => {
  it('keeps a plan already in order unchanged', () => {
    expect(topologicalOrder(diamond)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('pulls dependencies in front and puts phases in order', () => {
    const tasks = [
      task('x', { needs: ['y'] }),
      task('z'),
      task('y'),
      task('s', { phase: 'spec' }),
      task('d', { phase: 'design' }),
    ];
    expect(topologicalOrder(tasks)).toEqual(['d', 's', 'y', 'x', 'z']);
  });

  it('handles a 10,000-long chain given backwards without overflowing the stack', () => {
    const tasks = chain(10_000).reverse();
    const order = topologicalOrder(tasks);
    expect(order[0]).toBe('t0');
    expect(order.at(-1)).toBe('t9999');
  });
});

describe('waves', () => {
  it('groups tasks by depth', () => {
    expect(waves(diamond)).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(waves(chain(3))).toEqual([['t0'], ['t1'], ['t2']]);
    expect(waves([task('a'), task('b'), task('c')])).toEqual([['a', 'b', 'c']]);
  });

  it('runs phases one after another and ignores edges to earlier phases', () => {
    const tasks = [
      task('impl', { needs: ['design-api'] }),
      task('design-api', { phase: 'design' }),
      task('design-db', { phase: 'design' }),
      task('spec', { phase: 'spec', needs: ['design-api'] }),
    ];
    expect(waves(tasks)).toEqual([['design-api', 'design-db'], ['spec'], ['impl']]);
  });

  it('is empty for an empty plan', () => {
    expect(waves([])).toEqual([]);
  });
});

describe('criticalPath', () => {
  it('follows the heaviest branch by estimate', () => {
    expect(criticalPath(diamond)).toEqual({ path: ['a', 'c', 'd'], length: 40 });
  });

  it('weighs unestimated tasks as the phase mean', () => {
    // Estimated: 10 and 30, mean 20; the chain u1 -> u2 of unestimated tasks weighs 40.
    const tasks = [
      task('e1', { minutes: 10 }),
      task('e2', { minutes: 30 }),
      task('u1'),
      task('u2', { needs: ['u1'] }),
    ];
    expect(criticalPath(tasks)).toEqual({ path: ['u1', 'u2'], length: 40 });
  });

  it('spans the phases, summing their critical paths', () => {
    const tasks = [
      ...diamond,
      task('d1', { phase: 'design', minutes: 8 }),
      task('d2', { phase: 'design', minutes: 9 }),
    ];
    expect(criticalPath(tasks)).toEqual({ path: ['d2', 'a', 'c', 'd'], length: 49 });
  });

  it('is empty for an empty plan', () => {
    expect(criticalPath([])).toEqual({ path: [], length: 0 });
  });
});

describe('parallelScore', () => {
  it('is 0 for a chain and an empty plan', () => {
    expect(parallelScore(chain(10))).toBe(0);
    expect(parallelScore([])).toBe(0);
  });

  it('is above 0.9 for 20 independent equal tasks', () => {
    const tasks = Array.from({ length: 20 }, (_, i) => task(`t${i}`, { minutes: 30 }));
    expect(parallelScore(tasks)).toBeCloseTo(0.95);
  });

  it('is 1 - critical path / total work', () => {
    expect(parallelScore(diamond)).toBeCloseTo(1 - 40 / 50);
  });

  it('counts phases as sequential', () => {
    const tasks = [task('a', { phase: 'design' }), task('b', { phase: 'spec' }), task('c')];
    expect(parallelScore(tasks)).toBe(0);
  });
});

describe('remainingCriticalPath', () => {
  it('is the longest work from each task to the end, itself included', () => {
    const remaining = remainingCriticalPath(diamond);
    expect(Object.fromEntries(remaining)).toEqual({ a: 40, b: 15, c: 35, d: 5 });
  });

  it('adds the critical paths of later phases', () => {
    const tasks = [task('d1', { phase: 'design', minutes: 8 }), ...diamond];
    const remaining = remainingCriticalPath(tasks);
    expect(remaining.get('d1')).toBe(48);
    expect(remaining.get('a')).toBe(40);
  });
});

describe('fileOverlaps', () => {
  it('reports unordered same-phase pairs whose files may intersect', () => {
    const tasks = [
      task('login', { files: ['src/auth/**'] }),
      task('session', { files: ['src/auth/session.ts'] }),
      task('billing', { files: ['src/billing/**'] }),
      task('docs', { files: ['docs/**/*.md'] }),
    ];
    expect(fileOverlaps(tasks)).toEqual([
      { a: 'login', b: 'session', files: [['src/auth/**', 'src/auth/session.ts']] },
    ]);
  });

  it('leaves out pairs ordered by needs, directly or transitively', () => {
    const tasks = [
      task('a', { files: ['src/**'] }),
      task('b', { needs: ['a'], files: ['src/x.ts'] }),
      task('c', { needs: ['b'], files: ['src/*.ts'] }),
      task('free', { files: ['src/x.ts'] }),
    ];
    expect(fileOverlaps(tasks).map(({ a, b }) => [a, b])).toEqual([
      ['a', 'free'],
      ['b', 'free'],
      ['c', 'free'],
    ]);
  });

  it('leaves out pairs in different phases', () => {
    const tasks = [task('a', { phase: 'design', files: ['src/**'] }), task('b', { files: ['src/**'] })];
    expect(fileOverlaps(tasks)).toEqual([]);
  });

  it('handles a 10,000-task phase quickly, including a long chain', () => {
    // 20 chained tasks per folder: 95,000 candidate pairs, all ordered but the 20 with `free`.
    const tasks: FileTask[] = chain(10_000).map((t, i) => ({ ...t, files: [`src/m${i % 500}/**`] }));
    tasks.push(task('free', { files: ['src/m3/a.ts'] }));
    const started = process.cpuUsage();
    const overlaps = fileOverlaps(tasks);
    // CPU time, which a busy machine does not stretch: it catches quadratic blow-ups; `npm run bench` measures.
    expect(cpuMsSince(started)).toBeLessThan(10_000);
    expect(overlaps).toHaveLength(20);
    expect(overlaps.every((overlap) => overlap.b === 'free')).toBe(true);
  });
});
