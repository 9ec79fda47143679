import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/core/types.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { parsePlan } from '../../src/plan/parse.js';
import { cpuMsSince } from '../helpers/cpu-time.js';
import { writePlan } from './plan-file.js';

const COUNT = 10_000;

/** A plan of `count` tasks over the four phases, each needing its predecessor and one earlier task. */
function bigPlan(count: number): { version: 1; milestone: string; tasks: Array<Record<string, unknown>> } {
  const tasks = Array.from({ length: count }, (_, i) => ({
    id: `t${i}`,
    title: `Task ${i}`,
    phase: PHASES[Math.floor((i * PHASES.length) / count)],
    prompt: `Do step ${i}`,
    needs: i === 0 ? [] : [...new Set([`t${i - 1}`, `t${Math.floor(i / 2)}`])].filter((id) => id !== `t${i}`),
    files: [`src/part-${i % 50}/**`],
    estimate: `${1 + (i % 5)}h`,
  }));
  return { version: 1, milestone: 'Ten thousand tasks', tasks };
}

describe('a 10,000-task plan', () => {
  it('parses and validates from a JSON file', async () => {
    const result = await loadPlanFile(writePlan(JSON.stringify(bigPlan(COUNT)), 'big.json'));
    expect(result.problems).toEqual([]);
    expect(result.plan!.tasks).toHaveLength(COUNT);
    expect(result.plan!.tasks[COUNT - 1]!.needs).toEqual([`t${COUNT - 2}`, `t${(COUNT - 1) >> 1}`]);
  });

  it('reports a problem in every task without slowing to a crawl', () => {
    const plan = bigPlan(COUNT);
    for (const task of plan.tasks) task.needs = ['ghost'];
    const started = process.cpuUsage();
    const result = parsePlan(JSON.stringify(plan), { file: 'big.json' });
    expect(result.problems).toHaveLength(COUNT);
    expect(result.problems.every((p) => p.code === 'MILESTONE_PLAN_UNKNOWN_DEP')).toBe(true);
    // Generous: linear work is well under a second here; a quadratic pass would take minutes.
    expect(cpuMsSince(started)).toBeLessThan(20_000);
  });
});
