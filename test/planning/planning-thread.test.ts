import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../bench/generate-plan.js';
import { analyzeGraph } from '../../src/core/analysis.js';
import { parsePlan } from '../../src/plan/parse.js';
import {
  type PlanningInput,
  type PlanningOutput,
  type PlanningRequest,
  planningOutput,
} from '../../src/planning/output.js';
import { startPlanningThread } from '../../src/planning/planning-thread.js';
import { gatherRepoFacts } from '../../src/planning/repo-facts.js';
import { gitRepo } from '../helpers/git-repo.js';

const WORKER = resolve(import.meta.dirname, '../../dist/planning/analyses-worker.js');
const FIXTURES = resolve(import.meta.dirname, '../fixtures/planning-thread');

async function input(): Promise<PlanningInput> {
  const repo = await gitRepo({ files: { 'src/area-1/mod-2/file-3.ts': '', 'docs/area-4.md': '' } });
  const { plan } = parsePlan(JSON.stringify(generatePlan({ tasks: 200, seed: 3 })), { file: 'p.json' });
  const base = { ...plan!, base: 'main' };
  return {
    plan: base,
    facts: await gatherRepoFacts(repo),
    graph: analyzeGraph(base),
    dir: join(repo, 'planning'),
  };
}

/** The request a runner gets: the facts still being read, no graph (the thread analyses it). */
function request(input: PlanningInput): PlanningRequest {
  return { plan: input.plan, dir: input.dir, facts: Promise.resolve(input.facts) };
}

/** The output without the two figures that differ between runs: wall time and the time written. */
function stable(output: PlanningOutput): PlanningOutput {
  const clean = (text: string) =>
    text
      .replace(/"generatedAt": "[^"]*"/g, '"generatedAt": ""')
      .replace(/"analysisMs": [0-9.e+-]+/g, '"analysisMs": 0');
  return {
    files: output.files.map((file) => ({ path: file.path, content: clean(file.content) })),
    summary: output.summary,
    unified: { ...output.unified, metrics: { ...output.unified.metrics, analysisMs: 0 } },
    graph: output.graph,
  };
}

describe('the planning analyses on a worker thread', () => {
  it('give exactly what they give in this thread (the built worker)', async () => {
    expect(existsSync(WORKER), 'npm run build first').toBe(true);
    const given = await input();
    const thread = startPlanningThread(pathToFileURL(WORKER));
    try {
      const viaThread = await thread.run(request(given));
      expect(viaThread.files.map((file) => file.path.slice(given.dir.length))).toEqual([
        '/scope.json',
        '/estimates.json',
        '/risks.json',
        '/strategy.json',
        '/unified.json',
      ]);
      expect(stable(viaThread)).toEqual(stable(await planningOutput(given)));
      // The thread analysed the graph itself: the caller's analysis, without being given it.
      expect(viaThread.graph).toEqual(given.graph);
    } finally {
      thread.close();
    }
  });

  it("take the worker's answer", async () => {
    const thread = startPlanningThread(pathToFileURL(join(FIXTURES, 'answers-marked.mjs')));
    try {
      expect((await thread.run(request(await input()))).summary).toBe('from the worker thread');
    } finally {
      thread.close();
    }
  });

  it('run in this thread when the worker fails, ends without an answer, or does not exist', async () => {
    const given = await input();
    const expected = stable(await planningOutput(given));
    for (const file of ['fails.mjs', 'exits.mjs', 'missing.mjs']) {
      const thread = startPlanningThread(pathToFileURL(join(FIXTURES, file)));
      try {
        expect(stable(await thread.run(request(given))), file).toEqual(expected);
      } finally {
        thread.close();
      }
    }
  });

  it('fails as reading the facts failed when git did, whether or not the thread runs', async () => {
    const given = await input();
    for (const file of [WORKER, join(FIXTURES, 'missing.mjs')]) {
      const thread = startPlanningThread(pathToFileURL(file));
      try {
        const facts = Promise.reject(new Error('git log failed'));
        await expect(thread.run({ plan: given.plan, dir: given.dir, facts })).rejects.toThrow(
          'git log failed',
        );
      } finally {
        thread.close();
      }
    }
  });
});
