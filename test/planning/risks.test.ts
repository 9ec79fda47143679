import { describe, expect, it } from 'vitest';
import { gatherRepoFacts } from '../../src/planning/repo-facts.js';
import { analyzeRisks, hotChurnThreshold } from '../../src/planning/risks.js';
import { analyzeScope } from '../../src/planning/scope.js';
import { hasTestNearby, needsTest, testedNames } from '../../src/planning/test-nearby.js';
import { gitRepo } from '../helpers/git-repo.js';
import { commit, minutes, NO_FACTS, planOf, task } from './plan-builder.js';

const FILES = {
  'src/core/hot.ts': '0',
  'src/core/tested.ts': '',
  'test/core/tested.test.ts': '',
  'src/ui/widget.tsx': '',
  'docs/guide.md': '',
};

/** A repository where `src/core/hot.ts` changed in 4 commits after the first. */
async function churnedRepo() {
  const repo = await gitRepo({ files: FILES });
  for (let n = 1; n <= 4; n++) await commit(repo, { 'src/core/hot.ts': String(n) });
  return gatherRepoFacts(repo);
}

describe('analyzeRisks', () => {
  it('fires each repository rule with its severity, sorted by severity', async () => {
    const facts = await churnedRepo();
    const check = { verify: 'npm test' };
    const plan = planOf([
      task('hot-a', { files: ['src/core/hot.ts'], ...check }),
      task('hot-b', { files: ['src/core/hot.ts'], needs: ['hot-a'], ...check }),
      task('ui-all', { files: ['src/ui/**'], ...check }),
      task('ui-one', { files: ['src/ui/widget.tsx'], ...check }),
      task('doc-a', { files: ['docs/guide.md'], ...check }),
      task('doc-b', { files: ['docs/guide.md'], ...check }),
      task('tested', { files: ['src/core/tested.ts'], ...check }),
      // PERT (480 + 4 * 600 + 900) / 6 = 630 minutes.
      task('long', { estimate: { optimistic: 480, likely: 600, pessimistic: 900 } }),
    ]);
    const risks = analyzeRisks(plan, facts, analyzeScope(plan, facts));
    expect(risks.findings.map((f) => [f.id, f.severity, f.tasks, f.files])).toEqual([
      ['file-overlap-2', 'high', ['doc-a', 'doc-b'], ['docs/guide.md']],
      ['high-churn-1', 'high', ['hot-a', 'hot-b'], ['src/core/hot.ts']],
      ['file-overlap-1', 'medium', ['ui-all', 'ui-one'], ['src/ui/**', 'src/ui/widget.tsx']],
      ['long-task-1', 'medium', ['long'], undefined],
      ['no-verify-1', 'medium', ['long'], undefined],
      ['untested-source-1', 'low', ['hot-a'], ['src/core/hot.ts']],
      ['untested-source-2', 'low', ['hot-b'], ['src/core/hot.ts']],
      ['untested-source-3', 'low', ['ui-all'], ['src/ui/widget.tsx']],
      ['untested-source-4', 'low', ['ui-one'], ['src/ui/widget.tsx']],
    ]);
    expect(risks.findings[1]!.message).toMatch(/src\/core\/hot\.ts changed in 5 recent commits/);
    expect(risks.findings[3]!.message).toMatch(/^long is expected to take 10h 30m \(over 8h\)/);
    expect(risks.severities).toEqual({ high: 2, medium: 3, low: 4 });
    expect(risks.counts['low-parallelism']).toBe(0);
  });

  it('finds nothing in a plan that avoids every rule', async () => {
    const facts = await churnedRepo();
    const plan = planOf(
      [
        task('one', { files: ['src/core/tested.ts'], estimate: minutes(480) }),
        task('two', { files: ['docs/guide.md'] }),
        task('hot-once', { phase: 'design', files: ['src/core/hot.ts'], title: 'Read hot.ts', run: 'cat' }),
      ],
      { defaults: { agent: 'shell', verify: 'npm test', timeoutMs: 60_000, retries: 0 } },
    );
    // hot-once touches a hot file: only that finding, at medium (one task), and its missing test.
    const risks = analyzeRisks(plan, facts, analyzeScope(plan, facts));
    expect(risks.findings.map((f) => `${f.id} ${f.severity}`)).toEqual([
      'high-churn-1 medium',
      'untested-source-1 low',
    ]);
    const calm = planOf(plan.tasks.slice(0, 2), { defaults: plan.defaults });
    expect(analyzeRisks(calm, facts, analyzeScope(calm, facts)).findings).toEqual([]);
  });

  it('flags a chain that keeps the parallel score low, and very long tasks as high', () => {
    const chain = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i, ids) =>
      task(id, { needs: i > 0 ? [ids[i - 1]!] : [], verify: 'true' }),
    );
    const scope = analyzeScope(planOf(chain), NO_FACTS);
    const low = analyzeRisks(planOf(chain), NO_FACTS, scope).findings;
    expect(low.map((f) => [f.id, f.severity, f.tasks])).toEqual([
      ['low-parallelism-1', 'medium', ['a', 'b', 'c', 'd', 'e', 'f']],
    ]);
    expect(low[0]!.message).toContain('parallel score 0.00');
    const five = planOf(chain.slice(0, 5));
    expect(analyzeRisks(five, NO_FACTS, analyzeScope(five, NO_FACTS)).findings).toEqual([]);

    const huge = planOf([task('huge', { estimate: minutes(25 * 60), verify: 'true' })]);
    expect(analyzeRisks(huge, NO_FACTS, analyzeScope(huge, NO_FACTS)).findings[0]).toMatchObject({
      rule: 'long-task',
      severity: 'high',
    });
  });

  it('takes the hot threshold from the churn percentile, never below the minimum', () => {
    expect(hotChurnThreshold(new Map())).toBe(Number.POSITIVE_INFINITY);
    expect(
      hotChurnThreshold(
        new Map([
          ['a', 1],
          ['b', 1],
        ]),
      ),
    ).toBe(3);
    const spread = new Map(Array.from({ length: 20 }, (_, i) => [`f${i}`, i + 1] as const));
    expect(hotChurnThreshold(spread)).toBe(19);
  });
});

describe('test nearby', () => {
  const tested = testedNames([
    'test/core/graph.test.ts',
    'src/auth/__tests__/session.ts',
    'tests/test_parser.py',
    'pkg/store/store_test.go',
    'src/main/java/FooTest.java',
    'test/core/scheduler.slow.test.ts',
  ]);

  it('recognises the usual test layouts', () => {
    for (const path of [
      'src/core/graph.ts',
      'src/auth/session.ts',
      'app/parser.py',
      'pkg/store/store.go',
      'src/Foo.java',
      'src/engine/scheduler.ts',
    ]) {
      expect(hasTestNearby(path, tested), path).toBe(true);
    }
    expect(hasTestNearby('src/core/progress.ts', tested)).toBe(false);
  });

  it('only asks tests of source files that are not tests, entry points or declarations', () => {
    expect(needsTest('src/core/graph.ts')).toBe(true);
    expect(needsTest('src/lib.rs')).toBe(false);
    expect(needsTest('src/index.ts')).toBe(false);
    expect(needsTest('src/types.d.ts')).toBe(false);
    expect(needsTest('test/core/graph.test.ts')).toBe(false);
    expect(needsTest('docs/guide.md')).toBe(false);
  });
});
