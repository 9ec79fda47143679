import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../src/core/analysis.js';
import type { TaskSpec } from '../../src/core/types.js';
import { adjustWeights } from '../../src/planning/kiro.js';
import { gatherRepoFacts } from '../../src/planning/repo-facts.js';
import { analyzeScope } from '../../src/planning/scope.js';
import { analyzeStrategy, chooseExecution } from '../../src/planning/strategy.js';
import { gitRepo } from '../helpers/git-repo.js';
import { minutes, NO_FACTS, planOf, task } from './plan-builder.js';

describe('KIRO classification', () => {
  it('classifies tasks from their verbs and whether their files exist', async () => {
    const facts = await gatherRepoFacts(
      await gitRepo({ files: { 'src/legacy/old.ts': '', 'src/core/engine.ts': '' } }),
    );
    const plan = planOf([
      task('drop-legacy', { title: 'Remove the legacy adapter', files: ['src/legacy/**'] }),
      task('cache', { title: 'Add a cache layer', files: ['src/cache/lru.ts'] }),
      task('retries', { title: 'Add retries to the engine', files: ['src/core/engine.ts'] }),
      task('loop', { title: 'Engine loop', prompt: 'Refactor the main loop, then add tests.' }),
      task('docs', { title: 'Document the engine' }),
      task('metrics', { title: 'Engine metrics', files: ['src/metrics/**'] }),
      task('tuning', { title: 'Engine tuning pass', files: ['src/core/engine.ts'] }),
      task('misc', { title: 'Misc' }),
    ]);
    const strategy = analyzeStrategy(plan, facts, analyzeScope(plan, facts));
    expect(strategy.tasks).toEqual([
      { id: 'drop-legacy', kiro: 'remove', basis: 'keyword', keyword: 'remove' },
      { id: 'cache', kiro: 'originate', basis: 'keyword', keyword: 'add' },
      { id: 'retries', kiro: 'improve', basis: 'files' },
      { id: 'loop', kiro: 'improve', basis: 'keyword', keyword: 'refactor' },
      { id: 'docs', kiro: 'keep', basis: 'keyword', keyword: 'document' },
      { id: 'metrics', kiro: 'originate', basis: 'files' },
      { id: 'tuning', kiro: 'improve', basis: 'files' },
      { id: 'misc', kiro: 'improve', basis: 'default' },
    ]);
    // Unestimated tasks weigh the same: 1 remove, 2 originate, 4 improve, 1 keep of 8.
    expect(strategy.shares).toEqual({ keep: 0.125, improve: 0.5, remove: 0.125, originate: 0.25 });
    expect(strategy.adjustments).toEqual([]);
    expect(strategy.adjustedWeights).toEqual(plan.weights);
  });

  it('shifts weight to execution when removal is over 30% of the work', () => {
    const plan = planOf([
      task('rm', { title: 'Delete the v1 API', estimate: minutes(60) }),
      task('fix', { title: 'Fix paging', estimate: minutes(100) }),
    ]);
    const strategy = analyzeStrategy(plan, NO_FACTS, analyzeScope(plan, NO_FACTS));
    expect(strategy.shares.remove).toBe(0.375);
    expect(strategy.adjustedWeights).toEqual({ design: 0.1, spec: 0.25, task: 0.2, execute: 0.45 });
    expect(strategy.adjustments).toEqual(['remove 38% of work (> 30%): execute +5, design -5']);
  });

  it('shifts weight to design and spec when new work is over 40%', () => {
    const plan = planOf([
      task('new', { title: 'Implement SSO', estimate: minutes(90) }),
      task('fix', { title: 'Update login', estimate: minutes(110) }),
    ]);
    const strategy = analyzeStrategy(plan, NO_FACTS, analyzeScope(plan, NO_FACTS));
    expect(strategy.shares.originate).toBe(0.45);
    expect(strategy.adjustedWeights).toEqual({ design: 0.2, spec: 0.3, task: 0.2, execute: 0.3 });
  });

  it('applies both adjustments, keeps phases at 0 or more and renormalises', () => {
    const shares = { keep: 0, improve: 0.2, remove: 0.35, originate: 0.45 };
    const weights = { design: 0.15, spec: 0.25, task: 0.2, execute: 0.4 };
    expect(adjustWeights(weights, shares).weights).toEqual({
      design: 0.15,
      spec: 0.3,
      task: 0.2,
      execute: 0.35,
    });
    const lean = adjustWeights(
      { design: 0.02, spec: 0.28, task: 0.3, execute: 0.4 },
      { ...shares, originate: 0 },
    );
    expect(lean.weights.design).toBe(0);
    expect(lean.weights.execute).toBeCloseTo(45 / 103);
    expect(lean.weights.spec).toBeCloseTo(28 / 103);
    expect(adjustWeights(weights, { keep: 0.3, improve: 0, remove: 0.3, originate: 0.4 })).toEqual({
      weights,
      applied: [],
    });
  });
});

describe('execution strategy', () => {
  const choose = (tasks: TaskSpec[]) => {
    const plan = planOf(tasks);
    return chooseExecution(plan, analyzeGraph(plan));
  };
  const hour = { estimate: minutes(60) };

  it('runs a chain sequentially', () => {
    const chain = choose([
      task('a', hour),
      task('b', { ...hour, needs: ['a'] }),
      task('c', { ...hour, needs: ['b'] }),
    ]);
    expect(chain.strategy).toBe('sequential');
    expect(chain.reason).toBe('parallel score 0.00 < 0.3: the work is mostly one chain');
  });

  it('fans out independent tasks', () => {
    const choice = choose(Array.from({ length: 10 }, (_, i) => task(`t${i}`, hour)));
    expect(choice).toMatchObject({
      strategy: 'parallel-independent',
      parallelScore: 0.9,
      edges: 0,
      depth: 1,
    });
  });

  it('pipelines deep levels with parallel branches', () => {
    const level = (n: number, needs: string[]) =>
      ['x', 'y', 'z'].map((name) => task(`${name}${n}`, { ...hour, needs }));
    const choice = choose([
      ...level(1, []),
      ...level(2, ['x1', 'y1', 'z1']),
      ...level(3, ['x2', 'y2', 'z2']),
    ]);
    expect(choice).toMatchObject({ strategy: 'pipeline', edges: 18, depth: 3, branchingShare: 1 });
    expect(choice.parallelScore).toBeCloseTo(2 / 3);
  });

  it('adapts to a shallow mixed graph', () => {
    const choice = choose([
      task('a', hour),
      task('b', { ...hour, needs: ['a'] }),
      task('c', hour),
      task('d', hour),
    ]);
    expect(choice).toMatchObject({ strategy: 'adaptive', parallelScore: 0.5, depth: 2 });
  });
});
