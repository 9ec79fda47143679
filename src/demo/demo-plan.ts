/** The demo's starting project: a tiny library with a test runner. */
export const demoProject: Record<string, string> = {
  'README.md': '# numbers\n\nA small statistics library.\n',
  'src/sum.js': 'export function sum(values) {\n  return values.reduce((a, b) => a + b, 0);\n}\n',
  'test/run.js':
    "import { readdirSync } from 'node:fs';\n" +
    "const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.test.js'));\n" +
    'for (const file of files) await import(new URL(file, import.meta.url));\n' +
    "console.log(files.length + ' test file(s) passed');\n",
  'test/sum.test.js':
    "import assert from 'node:assert/strict';\nimport { sum } from '../src/sum.js';\nassert.equal(sum([1, 2, 3]), 6);\n",
  'package.json': '{ "name": "numbers", "type": "module", "private": true }\n',
};

const write = (path: string, lines: string[]) =>
  `sleep 0.5\nmkdir -p $(dirname ${path})\ncat > ${path} <<'EOF'\n${lines.join('\n')}\nEOF\n`;

/** The demo milestone: twelve tasks over the four phases, some parallel, one verify command. */
export const demoPlan = {
  version: 1,
  milestone: 'Add a statistics module',
  id: 'stats',
  description: 'mean, median and standard deviation, with tests and docs',
  defaults: { agent: 'shell', timeout: '2m', retries: 1 },
  tasks: [
    {
      id: 'architecture',
      title: 'Architecture note',
      phase: 'design',
      estimate: '1h',
      files: ['docs/design/architecture.md'],
      run: write('docs/design/architecture.md', [
        '# Architecture',
        '',
        'One module per statistic under src/stats/, re-exported by src/stats/index.js.',
      ]),
    },
    {
      id: 'api-design',
      title: 'API design',
      phase: 'design',
      estimate: '1h',
      files: ['docs/design/api.md'],
      run: write('docs/design/api.md', [
        '# API',
        '',
        '- mean(values)',
        '- median(values)',
        '- stddev(values)',
      ]),
    },
    {
      id: 'tech-spec',
      title: 'Technical specification',
      phase: 'spec',
      estimate: '2h',
      files: ['docs/spec/technical.md'],
      run: write('docs/spec/technical.md', ['# Technical spec', '', 'Empty input throws RangeError.']),
    },
    {
      id: 'test-plan',
      title: 'Test plan',
      phase: 'spec',
      estimate: '1h',
      files: ['docs/spec/test-plan.md'],
      run: write('docs/spec/test-plan.md', [
        '# Test plan',
        '',
        'One assertion per statistic, run by node test/run.js.',
      ]),
    },
    {
      id: 'acceptance',
      title: 'Acceptance criteria',
      phase: 'spec',
      estimate: '1h',
      files: ['docs/spec/acceptance.md'],
      run: write('docs/spec/acceptance.md', ['# Acceptance', '', '- [ ] all three statistics exported']),
    },
    {
      id: 'breakdown',
      title: 'Implementation tasks',
      phase: 'task',
      estimate: '30m',
      files: ['docs/tasks.md'],
      run: write('docs/tasks.md', ['# Tasks', '', 'mean, median, stddev (needs mean), index, tests, docs']),
    },
    {
      id: 'mean',
      title: 'Implement mean',
      estimate: '1h',
      files: ['src/stats/mean.js'],
      run: write('src/stats/mean.js', [
        "import { sum } from '../sum.js';",
        'export function mean(values) {',
        "  if (values.length === 0) throw new RangeError('empty');",
        '  return sum(values) / values.length;',
        '}',
      ]),
    },
    {
      id: 'median',
      title: 'Implement median',
      estimate: '1h',
      files: ['src/stats/median.js'],
      run: write('src/stats/median.js', [
        'export function median(values) {',
        "  if (values.length === 0) throw new RangeError('empty');",
        '  const s = [...values].sort((a, b) => a - b);',
        '  const m = Math.floor(s.length / 2);',
        '  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;',
        '}',
      ]),
    },
    {
      id: 'stddev',
      title: 'Implement standard deviation',
      estimate: '2h',
      needs: ['mean'],
      files: ['src/stats/stddev.js'],
      run: write('src/stats/stddev.js', [
        "import { mean } from './mean.js';",
        'export function stddev(values) {',
        '  const m = mean(values);',
        '  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));',
        '}',
      ]),
    },
    {
      id: 'index',
      title: 'Export the module',
      estimate: '30m',
      needs: ['mean', 'median', 'stddev'],
      files: ['src/stats/index.js'],
      run: write('src/stats/index.js', [
        "export { mean } from './mean.js';",
        "export { median } from './median.js';",
        "export { stddev } from './stddev.js';",
      ]),
    },
    {
      id: 'tests',
      title: 'Tests for the statistics',
      estimate: '1h',
      needs: ['index'],
      files: ['test/stats.test.js'],
      verify: 'node test/run.js',
      run: write('test/stats.test.js', [
        "import assert from 'node:assert/strict';",
        "import { mean, median, stddev } from '../src/stats/index.js';",
        'assert.equal(mean([1, 2, 3]), 2);',
        'assert.equal(median([3, 1, 2, 4]), 2.5);',
        'assert.equal(stddev([2, 4, 4, 4, 5, 5, 7, 9]), 2);',
      ]),
    },
    {
      id: 'docs',
      title: 'Document the module',
      estimate: '30m',
      files: ['docs/stats.md'],
      run: write('docs/stats.md', [
        '# Statistics',
        '',
        "`import { mean, median, stddev } from './src/stats/index.js'`",
      ]),
    },
  ],
};
