import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PLANNING_CODES,
  readPlanningArtifacts,
  writePlanningArtifacts,
} from '../../src/planning/artifacts.js';
import { canonicalJson, planHash } from '../../src/planning/plan-hash.js';
import { gatherRepoFacts } from '../../src/planning/repo-facts.js';
import { formatPlanningSummary } from '../../src/planning/summary.js';
import { complexityScore, runPlanningAnalyses } from '../../src/planning/unified.js';
import { gitRepo, tempDir } from '../helpers/git-repo.js';
import { minutes, planOf, task } from './plan-builder.js';

const plan = planOf(
  [
    task('design-api', { phase: 'design', title: 'Design the session API', estimate: minutes(120) }),
    task('store', { title: 'Add a session store', files: ['src/auth/store.ts'], estimate: minutes(180) }),
    task('login', { title: 'Refactor login', files: ['src/auth/login.ts'], verify: 'npm test' }),
    task('cleanup', { title: 'Remove old cookies', files: ['src/auth/cookies.ts'], needs: ['login'] }),
  ],
  { id: 'sessions', title: 'Sessions' },
);

async function planned() {
  const repo = await gitRepo({
    files: { 'src/auth/login.ts': '', 'src/auth/cookies.ts': '', 'test/auth/login.test.ts': '' },
  });
  const ticks = [1000, 1042];
  return runPlanningAnalyses(plan, await gatherRepoFacts(repo), {
    maxAgents: 4,
    clock: () => ticks.shift()!,
  });
}

describe('runPlanningAnalyses', () => {
  it('unifies the four analyses with metrics and the plan hash', async () => {
    const planning = await planned();
    expect(planning.planHash).toBe(planHash(plan));
    expect(planning.planHash).toMatch(/^[0-9a-f]{64}$/);
    const { metrics } = planning.unified;
    expect(metrics.analysisMs).toBe(42);
    // 2 of 4 tasks estimated; 3 of 4 resolve files (design-api's words match none).
    expect(metrics.confidence).toBeCloseTo((0.5 + 0.75) / 2);
    expect(metrics.complexityScore).toBeCloseTo(
      complexityScore(4, planning.scope.estimatedFileCount, planning.risks.severities, {
        parallelScore: planning.estimates.parallelScore,
      }),
    );
    expect(planning.unified.tasks.map((t) => [t.id, t.kiro, t.files, t.critical])).toEqual([
      ['design-api', 'improve', 0, true],
      ['store', 'originate', 0, false],
      // "Refactor login" also finds the login test by its words.
      ['login', 'improve', 2, true],
      ['cleanup', 'remove', 1, true],
    ]);
    expect(planning.unified.phases.map((p) => p.tasks)).toEqual([1, 0, 0, 3]);
    expect(planning.unified.strategy).toBe(planning.strategy.execution.strategy);
  });

  it('scores complexity from tasks, files, risks and the parallel score', () => {
    // 0.3 * 20/40 + 0.3 * 50/100 + 0.2 * 10/20 + 0.2 * (1 - 0.5)
    expect(complexityScore(20, 50, { high: 2, medium: 1, low: 2 }, { parallelScore: 0.5 })).toBeCloseTo(0.5);
    expect(complexityScore(0, 0, { high: 0, medium: 0, low: 0 }, { parallelScore: 1 })).toBe(0);
  });

  it('prints a short summary', async () => {
    const summary = formatPlanningSummary(await planned());
    const lines = summary.split('\n');
    expect(lines[0]).toBe(
      'scope:      3 files in 2 components (src/auth 2, test 1), 1 new path; ~6 estimated',
    );
    expect(summary).toContain('confidence: 0.63 (50% of tasks estimated, scope resolved for 75%)');
    expect(summary).toMatch(/^kiro: {7}keep 0%, improve \d+%, remove \d+%, originate \d+%$/m);
    expect(summary).toMatch(/^strategy: {3}\S+: /m);
    expect(lines.length).toBeLessThanOrEqual(11);
  });
});

describe('planning artifacts', () => {
  it('writes five artifacts and reads them back current', async () => {
    const planning = await planned();
    const dir = join(tempDir(), 'planning');
    const paths = writePlanningArtifacts(dir, planning, { generatedAt: new Date('2025-01-02T03:04:05Z') });
    expect(paths.map((path) => path.slice(dir.length + 1))).toEqual([
      'scope.json',
      'estimates.json',
      'risks.json',
      'strategy.json',
      'unified.json',
    ]);
    const stored = JSON.parse(readFileSync(join(dir, 'risks.json'), 'utf8'));
    expect(stored).toMatchObject({
      artifact: 'risks',
      planId: 'sessions',
      planHash: planning.planHash,
      generatedAt: '2025-01-02T03:04:05.000Z',
    });
    const { artifacts, problems } = readPlanningArtifacts(dir, { planHash: planHash(plan) });
    expect(problems).toEqual([]);
    expect(artifacts.estimates?.total).toEqual(planning.estimates.total);
    expect(artifacts.unified?.tasks).toEqual(planning.unified.tasks);
  });

  it('reports stale, missing and unreadable artifacts', async () => {
    const dir = join(tempDir(), 'planning');
    writePlanningArtifacts(dir, await planned());
    const changed = planOf([...plan.tasks, task('extra')], { id: 'sessions', title: 'Sessions' });
    const stale = readPlanningArtifacts(dir, { planHash: planHash(changed) }).problems;
    expect(stale.map((p) => [p.artifact, p.code])).toEqual(
      ['scope', 'estimates', 'risks', 'strategy', 'unified'].map((name) => [name, PLANNING_CODES.stale]),
    );
    expect(stale[0]!.message).toContain('computed from another version of the plan');

    rmSync(join(dir, 'risks.json'));
    writeFileSync(join(dir, 'strategy.json'), '{ not json');
    const scope = JSON.parse(readFileSync(join(dir, 'scope.json'), 'utf8'));
    writeFileSync(join(dir, 'scope.json'), JSON.stringify({ ...scope, planHash: 'f'.repeat(64) }));
    const { artifacts, problems } = readPlanningArtifacts(dir);
    expect(problems.map((p) => [p.artifact, p.code, p.location?.file])).toEqual([
      ['risks', PLANNING_CODES.missing, join(dir, 'risks.json')],
      ['strategy', PLANNING_CODES.unreadable, join(dir, 'strategy.json')],
      ['scope', PLANNING_CODES.stale, join(dir, 'scope.json')],
    ]);
    expect(Object.keys(artifacts).sort()).toEqual(['estimates', 'scope', 'unified']);
  });

  it('hashes plans by content, whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    const reordered = Object.fromEntries(Object.entries(plan).reverse()) as typeof plan;
    expect(planHash(reordered)).toBe(planHash(plan));
  });
});
