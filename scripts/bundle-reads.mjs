// Build step (package.json `build`, after tsc): bundles each read command's entry for the quick
// path (dist/cli/read-status.js, read-list.js, read-show.js; src/cli/read-*.ts), and `plan`'s
// (dist/cli/plan-command.js), with the modules it loads statically into that one file, in place.
// Why: node's ES module loader costs 1–2 ms per file and a read loads ~40 (docs/benchmarks.md).
// What stays outside, as imports of the same dist/ files the rest of the CLI loads:
// - every `import()` (lazy by design: git for a linked worktree, the config schema, --watch);
// - packages (better-sqlite3, picomatch) and node's own modules;
// - SHARED: modules with process state or classes checked with `instanceof` across the CLI.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(root, 'dist/cli');
const SHARED = ['dist/errors.js', 'dist/process/redact-secrets.js'].map((file) => resolve(root, file));
// What every bundle here is built with.
const COMMON = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };

for (const command of ['status', 'list', 'show']) await bundle(resolve(outDir, `read-${command}.js`));
await bundleScript(resolve(outDir, 'read-script.js'), resolve(outDir, 'read-script.cjs'));
const PLAN_SHARED = ['dist/git/git-exec.js', 'dist/git/git-error.js'];
// `plan --from`'s classic script (dist/cli/plan-script.cjs, run by quick-plan.ts with V8's code
// cache), made from the same entry before the line below bundles that entry in place.
await bundlePlanScript(resolve(outDir, 'plan-command.js'), resolve(outDir, 'plan-script.cjs'));
// Also SHARED for plan: the pool of git shells (one per process: the engine, imported when a
// milestone branch exists, runs its git through it too) and GitError (checked with `instanceof`
// by the error report).
await bundle(resolve(outDir, 'plan-command.js'), PLAN_SHARED);
// The worker thread of plan's planning analyses (src/planning/analyses-worker.ts).
await bundle(resolve(root, 'dist/planning/analyses-worker.js'));

async function bundle(entry, alsoShared = []) {
  const shared = [...SHARED, ...alsoShared.map((file) => resolve(root, file))];
  await build({
    ...COMMON,
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    format: 'esm',
    plugins: [
      {
        name: 'keep-outside',
        setup(context) {
          context.onResolve({ filter: /.*/ }, (args) =>
            args.kind === 'entry-point' ? undefined : keptOutside(args, shared, entry),
          );
        },
      },
    ],
  });
  // tsc's source map describes the file this replaced.
  const map = `${entry}.map`;
  if (existsSync(map)) rmSync(map);
}

// The read script (src/cli/read-script.ts; run by read-script-runner.cts with V8's code cache):
// `status` and `list` as one classic script, everything relative inside (its own errors.js and
// redact-secrets.js: nothing of it meets the ES module CLI's) and better-sqlite3's JavaScript
// (src/store/sqlite-script.ts in place of sqlite.ts), other packages and node's modules
// required. Every `import()` becomes a rejected promise: the script hands such a read back to
// the ES module CLI, which loads what it needs. `import.meta.url` is the script's own URL (as in
// the ES module bundles, the files sit in dist/cli/).
async function bundleScript(entry, outfile) {
  await buildClassicScript(entry, outfile, {
    name: 'script',
    outside: (args) => {
      if (args.kind === 'dynamic-import') return { path: args.path, namespace: 'not-in-script' };
      return args.path.startsWith('.') ? undefined : { external: true };
    },
    setup(context) {
      context.onLoad({ filter: /.*/, namespace: 'not-in-script' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not in the read script`)});`,
        loader: 'js',
      }));
    },
  });
  for (const file of [entry, `${entry}.map`]) if (existsSync(file)) rmSync(file);
  checkSqliteInside(outfile, readFileSync(outfile, 'utf8'));
}

// The plan script: `plan-command.ts` as one classic script for `quick-plan.ts` to compile with
// V8's code cache (`code-cache.cts`), where the ES module bundle compiles its ~200 KB and every
// function it runs at each `plan --from` (~0.1 s of CPU for 2,000 tasks). Wrapped as node wraps
// a CommonJS module, plus `__import`: the caller's `import()`, which every `import()` of the
// bundled code becomes (a script compiled with cached data has no loader of its own for them).
// The SHARED modules and PLAN_SHARED stay outside as `require`s of their dist/ files, which the
// caller answers with the ES modules the rest of the CLI uses (one pool of git shells, one set
// of error classes for `reportError`). better-sqlite3's JavaScript is inside, as in the read
// script (sqlite-script.ts, which refuses another release of the installed package: the caller
// then runs the ES module bundle).
async function bundlePlanScript(entry, outfile) {
  const shared = [...SHARED, ...PLAN_SHARED.map((file) => resolve(root, file))];
  await buildClassicScript(entry, outfile, {
    name: 'plan-script',
    parameters: ['__import'],
    outside: (args) => keptOutside(args, shared, outfile),
  });
  const map = `${outfile}.map`;
  if (existsSync(map)) rmSync(map);
  // Every `import("./x.js")` left in the bundle (all relative: see keptOutside) calls `__import`.
  const text = readFileSync(outfile, 'utf8');
  const rewritten = text.replace(/\bimport\((?="\.\.?\/)/g, '__import(');
  if (/\bimport\(/.test(rewritten)) throw new Error(`${outfile}: an import() the plan script cannot pass on`);
  checkSqliteInside(outfile, rewritten);
  writeFileSync(outfile, rewritten);
}

// One classic script: wrapped as node wraps a CommonJS module (plus `parameters`), in the file
// itself, so a runner compiles the file's text as it is (no second copy of its source to build at
// each run); better-sqlite3's JavaScript inside, from sqlite-script.ts (which checks the release);
// `outside(args)` decides every other import.
async function buildClassicScript(entry, outfile, { name, parameters = [], outside, setup }) {
  const wrapper = ['exports', 'require', 'module', '__filename', '__dirname', ...parameters].join(', ');
  await build({
    ...COMMON,
    entryPoints: [entry],
    outfile,
    format: 'cjs',
    define: { 'import.meta.url': '__script_url' },
    banner: {
      js: `(function (${wrapper}) {"use strict";\nvar __script_url = require("node:url").pathToFileURL(__filename).href;`,
    },
    footer: { js: '})' },
    plugins: [
      {
        name,
        setup(context) {
          context.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            if (args.path === './sqlite.js' && args.importer.endsWith(`${sep}store${sep}store.js`))
              return { path: resolve(dirname(args.importer), 'sqlite-script.js') };
            if (args.path === 'better-sqlite3' || args.path === 'better-sqlite3/package.json')
              return undefined;
            return outside(args);
          });
          setup?.(context);
        },
      },
    ],
  });
}

// Packages and node's modules stay outside; so does every `import()` and each `shared` module,
// kept as an import re-pointed from the bundle's folder; every other relative import is inside.
function keptOutside(args, shared, bundleFile) {
  if (!args.path.startsWith('.')) return { external: true };
  const file = resolve(args.resolveDir, args.path);
  if (args.kind !== 'dynamic-import' && !shared.includes(file)) return undefined;
  const path = relative(dirname(bundleFile), file);
  return { path: path.startsWith('.') ? path : `./${path}`, external: true };
}

// sqlite-script.ts's text, which the script must hold in place of sqlite.ts.
function checkSqliteInside(outfile, text) {
  if (!text.includes('is installed, the read script holds'))
    throw new Error(`${outfile}: sqlite-script.js did not replace sqlite.js (store.ts moved its import?)`);
}
