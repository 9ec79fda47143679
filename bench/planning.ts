import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plan } from '../src/core/types.js';
import { parsePlan } from '../src/plan/parse.js';
import { writePlanningArtifacts } from '../src/planning/artifacts.js';
import { analyzeEstimates } from '../src/planning/estimates.js';
import { gatherRepoFacts } from '../src/planning/repo-facts.js';
import { analyzeRisks } from '../src/planning/risks.js';
import { analyzeScope } from '../src/planning/scope.js';
import { analyzeStrategy } from '../src/planning/strategy.js';
import { runPlanningAnalyses } from '../src/planning/unified.js';
import { generatePlan, seededRandom } from './generate-plan.js';
import { formatTable, type Measurement, measureAsync } from './measure.js';
import type { BenchOptions, BenchSection } from './section.js';

const TASKS = 10_000;
const FILES = 20_000;
const SEED = 20240601;
/** `issues show 4`: the four analyses of a 10,000-task plan in a 20,000-file repository. */
const TARGET_MS = 5000;
const AREAS = 40;
const NAMES = [
  'parser',
  'router',
  'session',
  'cache',
  'store',
  'queue',
  'schema',
  'client',
  'worker',
  'metrics',
];
const VERBS = ['Add', 'Refactor', 'Remove', 'Fix', 'Document', 'Implement', 'Optimize', 'Update'];

/**
 * The paths of generate-plan.ts's plans (src/area-N/mod-M/file-K.ts, test/area-N/*.test.ts,
 * docs/area-N.md), named files that task titles mention, and lib/ filler up to {@link FILES}.
 */
function repositoryPaths(): string[] {
  const paths: string[] = [];
  for (let a = 0; a < AREAS; a++) {
    for (let m = 0; m < 10; m++)
      for (let f = 0; f < 30; f++) paths.push(`src/area-${a}/mod-${m}/file-${f}.ts`);
    for (const name of NAMES) paths.push(`src/area-${a}/named/${name}.ts`);
    for (let f = 0; f < 100; f++) paths.push(`test/area-${a}/file-${f}.test.ts`);
    paths.push(`docs/area-${a}.md`);
  }
  for (let k = 0; paths.length < FILES; k++) paths.push(`lib/pkg-${k % AREAS}/f-${Math.floor(k / AREAS)}.js`);
  return paths;
}

/** A real repository: one commit of all files, then 5 commits changing 300 files each (churn). */
function createRepository(): string {
  const root = mkdtempSync(join(tmpdir(), 'milestone-bench-planning-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], {
      cwd: root,
      stdio: 'ignore',
    });
  git('init', '-q', '-b', 'main');
  const paths = repositoryPaths();
  const folders = new Set(paths.map((path) => dirname(path)));
  for (const folder of folders) mkdirSync(join(root, folder), { recursive: true });
  for (const path of paths) writeFileSync(join(root, path), `// ${path}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  const random = seededRandom(SEED);
  for (let c = 1; c <= 5; c++) {
    for (let k = 0; k < 300; k++) {
      // Skewed towards the first areas, so some files are much hotter than others.
      const path = paths[Math.floor(random() ** 3 * paths.length)]!;
      writeFileSync(join(root, path), `// ${path} ${c}\n`);
    }
    git('commit', '-q', '-a', '-m', `change ${c}`);
  }
  return root;
}

/** generate-plan.ts's plan with titles that name parts of the repository, as people write them. */
function benchPlan(): Plan {
  const file = generatePlan({ tasks: TASKS, seed: SEED });
  file.tasks.forEach((task, i) => {
    task.title = `${VERBS[i % VERBS.length]} the ${NAMES[i % NAMES.length]} of area ${i % AREAS}`;
  });
  const { plan, problems } = parsePlan(JSON.stringify(file), {
    file: 'bench.json',
    format: 'milestone-json',
  });
  if (!plan) throw new Error(`the generated plan does not validate: ${problems[0]?.message ?? 'no plan'}`);
  return plan;
}

/**
 * `milestone plan`'s planning step on a 10,000-task plan in a 20,000-file repository: gather
 * the facts (git ls-files + git log), the four analyses, the unified plan; then, apart, writing
 * the artifacts. The target is under 5 s for facts + analyses (the "total" row).
 */
export const planning: BenchSection = {
  name: 'planning',
  title: `planning analyses (${TASKS.toLocaleString('en')} tasks, ${FILES.toLocaleString('en')} files)`,
  async run({ runs }: BenchOptions): Promise<Measurement[]> {
    const root = createRepository();
    try {
      const plan = benchPlan();
      // End to end first, so its "first ms" is a cold start like one `milestone plan`.
      const total = await measureAsync(
        'total: facts + analyses + unified',
        runs,
        async () => runPlanningAnalyses(plan, await gatherRepoFacts(root)),
        (u) => `${u.scope.fileCount} files, ${u.risks.findings.length} findings, ${u.unified.strategy}`,
      );
      const facts = await gatherRepoFacts(root);
      const scope = analyzeScope(plan, facts);
      const planning = await runPlanningAnalyses(plan, facts);
      const sync = <T>(step: string, work: () => T, describe: (value: T) => string) =>
        measureAsync(step, runs, async () => work(), describe);
      const out = join(root, '.milestones', plan.id, 'planning');
      return [
        await measureAsync(
          'gatherRepoFacts',
          runs,
          () => gatherRepoFacts(root),
          (f) => `${f.files.length} files, ${f.churn.size} churned`,
        ),
        await sync(
          'analyzeScope',
          () => analyzeScope(plan, facts),
          (s) => `${s.fileCount} files, ${s.components.length} components, ~${s.estimatedFileCount}`,
        ),
        await sync(
          'analyzeEstimates',
          () => analyzeEstimates(plan),
          (e) => `16 agents: ${e.makespan[15]!.speedup.toFixed(1)}x`,
        ),
        await sync(
          'analyzeRisks',
          () => analyzeRisks(plan, facts, scope),
          (r) => `${r.severities.high} high, ${r.severities.medium} medium, ${r.severities.low} low`,
        ),
        await sync(
          'analyzeStrategy',
          () => analyzeStrategy(plan, facts, scope),
          (s) => `${s.execution.strategy}, ${s.adjustments.length} adjustment(s)`,
        ),
        await measureAsync(
          'runPlanningAnalyses (four + unified)',
          runs,
          () => runPlanningAnalyses(plan, facts),
          (u) =>
            `confidence ${u.unified.metrics.confidence.toFixed(2)}, complexity ${u.unified.metrics.complexityScore.toFixed(2)}`,
        ),
        total,
        await sync(
          'writePlanningArtifacts (not in total)',
          () => writePlanningArtifacts(out, planning),
          (paths) => `${paths.length} files`,
        ),
      ];
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

// Runs on its own too: node --import tsx bench/planning.ts [runs]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await planning.run({ runs: Number(process.argv[2] ?? 3) });
  console.log(`## ${planning.title}\n\n${formatTable(rows)}`);
  const total = rows.find((row) => row.step.startsWith('total'))!;
  console.log(`\ntotal median ${total.medianMs.toFixed(0)} ms (target < ${TARGET_MS} ms)`);
}
