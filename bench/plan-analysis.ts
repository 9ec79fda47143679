import { analyzeGraph } from '../src/core/analysis.js';
import { criticalPath, fileOverlaps, topologicalOrder, waves } from '../src/core/graph.js';
import type { Plan } from '../src/core/types.js';
import { parsePlan } from '../src/plan/parse.js';
import { generatePlan } from './generate-plan.js';
import { type Measurement, measure } from './measure.js';
import type { BenchOptions, BenchSection } from './section.js';

const TASKS = 10_000;
const SEED = 20240601;

function parse(text: string): Plan {
  const { plan, problems } = parsePlan(text, { file: 'bench-plan.json', format: 'milestone-json' });
  if (!plan) throw new Error(`the generated plan does not validate: ${problems[0]?.message ?? 'no plan'}`);
  return plan;
}

/**
 * A 10,000-task plan (seeded, so the same every run) through what `milestone validate`, `show`
 * and `execute --dry-run` do: serialise, parse and validate, then analyse the graph. The target
 * is under a second for serialise + parse + analyse.
 */
export const planAnalysis: BenchSection = {
  name: 'analysis',
  title: `plan analysis (${TASKS.toLocaleString('en')} tasks, 4 phases)`,
  run({ runs }: BenchOptions): Measurement[] {
    const file = generatePlan({ tasks: TASKS, seed: SEED });
    const edges = file.tasks.reduce((sum, task) => sum + task.needs.length, 0);
    // End to end first, so its "first ms" is a cold start like one CLI invocation's.
    const endToEnd = measure(
      'serialise + parse + analyse',
      runs,
      () => analyzeGraph(parse(JSON.stringify(file))),
      (a) => `critical path ${Math.round(a.criticalPath.length / 60)} h of ${Math.round(a.totalWork / 60)} h`,
    );
    const text = JSON.stringify(file);
    const plan = parse(text);
    return [
      measure(
        'JSON.stringify',
        runs,
        () => JSON.stringify(file),
        (json) => `${(json.length / 1e6).toFixed(1)} MB`,
      ),
      measure(
        'parsePlan (JSON + validation)',
        runs,
        () => parse(text),
        (p) => `${p.tasks.length} tasks, ${edges} needs`,
      ),
      measure(
        'topologicalOrder',
        runs,
        () => topologicalOrder(plan.tasks),
        (order) => `${order.length} ids`,
      ),
      measure(
        'waves',
        runs,
        () => waves(plan.tasks),
        (levels) => `${levels.length} waves`,
      ),
      measure(
        'criticalPath',
        runs,
        () => criticalPath(plan.tasks),
        (path) => `${path.path.length} tasks`,
      ),
      measure(
        'fileOverlaps',
        runs,
        () => fileOverlaps(plan.tasks),
        (overlaps) => `${overlaps.length} pairs`,
      ),
      measure(
        'analyzeGraph (all of the above)',
        runs,
        () => analyzeGraph(plan),
        (a) => `score ${a.parallelScore.toFixed(3)}, widest wave ${a.maxWaveWidth}`,
      ),
      endToEnd,
    ];
  },
};
