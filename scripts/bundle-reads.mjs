// Build step (package.json `build`, after tsc): bundles each read command's entry for the quick
// path (dist/cli/read-status.js, read-list.js, read-show.js; src/cli/read-*.ts), and `plan`'s
// (dist/cli/plan-command.js), with the modules it loads statically into that one file, in place.
// Why: node's ES module loader costs 1–2 ms per file and a read loads ~40 (docs/benchmarks.md).
// What stays outside, as imports of the same dist/ files the rest of the CLI loads:
// - every `import()` (lazy by design: git for a linked worktree, the config schema, --watch);
// - packages (better-sqlite3, picomatch) and node's own modules;
// - SHARED: modules with process state or classes checked with `instanceof` across the CLI.
import { existsSync, rmSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(root, 'dist/cli');
const SHARED = ['dist/errors.js', 'dist/process/redact-secrets.js'].map((file) => resolve(root, file));

for (const command of ['status', 'list', 'show']) await bundle(resolve(outDir, `read-${command}.js`));
// Also SHARED for plan: the pool of git shells (one per process: the engine, imported when a
// milestone branch exists, runs its git through it too) and GitError (checked with `instanceof`
// by the error report).
await bundle(resolve(outDir, 'plan-command.js'), ['dist/git/git-exec.js', 'dist/git/git-error.js']);
// The worker thread of plan's planning analyses (src/planning/analyses-worker.ts).
await bundle(resolve(root, 'dist/planning/analyses-worker.js'));

async function bundle(entry, alsoShared = []) {
  const shared = [...SHARED, ...alsoShared.map((file) => resolve(root, file))];
  await build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'keep-outside',
        setup(context) {
          context.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            if (!args.path.startsWith('.')) return { external: true };
            const file = resolve(args.resolveDir, args.path);
            if (args.kind !== 'dynamic-import' && !shared.includes(file)) return undefined;
            // Kept as an import, re-pointed from the bundle's folder.
            const path = relative(dirname(entry), file);
            return { path: path.startsWith('.') ? path : `./${path}`, external: true };
          });
        },
      },
    ],
  });
  // tsc's source map describes the file this replaced.
  const map = `${entry}.map`;
  if (existsSync(map)) rmSync(map);
}
