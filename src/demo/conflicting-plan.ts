/**
 * `npm start -- --conflicting`: two tasks that each pass their tests alone and break them
 * together (one renames `total()`, the other builds on it), so the integration check finds
 * the culprit, reverts it and the retry, given the failure, fixes it.
 */
export const conflictingProject: Record<string, string> = {
  'README.md': '# numbers\n\nA small statistics library.\n',
  'src/total.js': 'export function total(values) {\n  return values.reduce((a, b) => a + b, 0);\n}\n',
  'test/run.js':
    "import { readdirSync } from 'node:fs';\n" +
    "const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.test.js'));\n" +
    'for (const file of files) await import(new URL(file, import.meta.url));\n' +
    "console.log(files.length + ' test file(s) passed');\n",
  'test/total.test.js':
    "import assert from 'node:assert/strict';\nimport { total } from '../src/total.js';\nassert.equal(total([1, 2, 3]), 6);\n",
  'package.json': '{ "name": "numbers", "type": "module", "private": true }\n',
};

/** Shows the failing output when this attempt follows a revert (the shell agent's "prompt"). */
const FEEDBACK =
  'if [ -n "$MILESTONE_INTEGRATION_FAILURE" ]; then echo "previous attempt was reverted; the combined tests said:"; cat "$MILESTONE_INTEGRATION_FAILURE"; fi\n';

export const conflictingPlan = {
  version: 1,
  milestone: 'Rename total and add mean',
  id: 'clash',
  description: 'two tasks green alone, red together: watch the integration check catch it',
  verify: 'node test/run.js',
  integration: 'batch',
  defaults: { agent: 'shell', timeout: '2m', retries: 1, verify: 'node test/run.js' },
  tasks: [
    {
      id: 'rename-total',
      title: 'Rename total() to sum()',
      files: ['src/total.js', 'src/sum.js', 'test/total.test.js', 'test/sum.test.js'],
      // Renames every use it can see: the retry also sees what the other task added.
      run: `${FEEDBACK}sleep 0.5\nmv src/total.js src/sum.js && mv test/total.test.js test/sum.test.js\ngrep -rl total src test | xargs sed -i 's/total/sum/g'\n`,
    },
    {
      id: 'mean',
      title: 'Add mean() built on total()',
      files: ['src/mean.js', 'test/mean.test.js'],
      run: `${FEEDBACK}sleep 0.5\nif [ -f src/total.js ]; then f=total; else f=sum; fi\nprintf "import { %s } from './%s.js';\\nexport const mean = (v) => %s(v) / v.length;\\n" $f $f $f > src/mean.js\nprintf "import assert from 'node:assert/strict';\\nimport { mean } from '../src/mean.js';\\nassert.equal(mean([1, 2, 3]), 2);\\n" > test/mean.test.js\n`,
    },
  ],
};
