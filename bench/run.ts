import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { distributed } from './distributed.js';
import { engine } from './engine.js';
import { engineScale } from './engine-scale.js';
import { integrationBench } from './integration.js';
import { largeRepo } from './large-repo.js';
import { formatTable } from './measure.js';
import { planAnalysis } from './plan-analysis.js';
import { planning } from './planning.js';
import { reads } from './reads.js';
import type { BenchSection } from './section.js';
import { startup } from './startup.js';
import { storeAppends } from './store-appends.js';
import { worktrees } from './worktrees.js';

/**
 * Runs the bench sections and prints one table each:
 *   node --import tsx bench/run.ts [section...] [--runs N] [--list]
 * (`npm run bench -- analysis`). New sections: a file under bench/ exporting a
 * `BenchSection`, added to SECTIONS.
 */
const SECTIONS: BenchSection[] = [
  planAnalysis,
  engine,
  engineScale,
  planning,
  worktrees,
  reads,
  startup,
  storeAppends,
  distributed,
  largeRepo,
  integrationBench,
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '5' }, list: { type: 'boolean', default: false } },
});

if (values.list) {
  for (const section of SECTIONS) console.log(`${section.name}\t${section.title}`);
} else {
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const unknown = positionals.filter((name) => !SECTIONS.some((section) => section.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown bench section ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}`,
    );
  }
  const selected = positionals.length > 0 ? SECTIONS.filter((s) => positionals.includes(s.name)) : SECTIONS;
  console.log(
    `node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, ${runs} runs per step`,
  );
  for (const section of selected) {
    console.log(`\n## ${section.title}\n`);
    console.log(formatTable(await section.run({ runs })));
  }
}
