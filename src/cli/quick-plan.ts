import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import * as errors from '../errors.js';
import type { Io } from '../io/io.js';
import type { plan as planCommand } from './plan-command.js';

/** A `plan --from FILE` command line the quick path runs: the file, `--id`, `--json`. */
export interface QuickPlan {
  from: string;
  id: string | undefined;
  json: boolean;
}

/**
 * The `plan` command lines answered without the commander program (commander and every
 * command's declaration: ~40 ms of a ~0.5 s import): `plan --from FILE [--id ID] [--json]`, in
 * any order, each at most once. Any other spelling (a title, `--from=FILE`, a value that starts
 * with `-` or is empty, another option, `--help`, `--`) is `null`, and commander parses it as
 * always, with its own messages.
 */
export function parseQuickPlan(argv: readonly string[]): QuickPlan | null {
  const [command, ...rest] = argv;
  if (command !== 'plan') return null;
  let from: string | undefined;
  let id: string | undefined;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === '--json' && !json) {
      json = true;
      continue;
    }
    if ((word !== '--from' || from !== undefined) && (word !== '--id' || id !== undefined)) return null;
    const value = rest[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return null;
    if (word === '--from') from = value;
    else id = value;
  }
  return from === undefined ? null : { from, id, json };
}

/**
 * Runs a command line that {@link parseQuickPlan} accepts, exactly as the program would: the same
 * `plan` function with the options commander would give it, and an error reported by the same
 * `reportError`, so the output and the exit code are the program's. Returns the exit code, or
 * `null` when the line is not one of these (the caller runs the program).
 */
export async function quickPlan(argv: readonly string[], io: Io, cwd: string): Promise<number | null> {
  const line = parseQuickPlan(argv);
  if (!line) return null;
  // Before the plan script runs: V8 optimises a function once its calls and loops have used
  // this budget of bytecode; at 4 times the default it optimises only what is really hot. A
  // 2,000-task plan runs its per-task functions a few thousand times, enough to send dozens of
  // them to TurboFan at the default, whose compiles (a fifth of the command's instructions) this
  // one-shot process never earns back: 12% fewer instructions (callgrind, docs/benchmarks.md).
  // Optimisation changes no result, only when code gets fast.
  // Node's own modules the plan script needs are loaded first (node:vm to run it, node:crypto for
  // the hashes: loaded by every `plan --from`): node compiles a built-in module from the code
  // cache it embeds only while V8's flags hash as when that cache was made, so after the change
  // below it would parse and compile them from their sources (~15 M instructions, crypto's 16
  // modules; docs/benchmarks.md, tenth pass).
  const require = createRequire(import.meta.url);
  for (const builtin of PLAN_BUILTINS) require(builtin);
  setFlagsFromString(`--interrupt-budget=${PLAN_INTERRUPT_BUDGET}`);
  try {
    // The plan script with V8's code cache; else (running from source, another better-sqlite3
    // release installed) the ES module bundle: one file in dist/ (`scripts/bundle-reads.mjs`).
    const script = await loadPlanScript();
    const { plan } = script ?? (await import('./plan-command.js'));
    await plan({ cwd, io, from: line.from, id: line.id, json: line.json });
    // After the run: the functions it compiled lazily are in the cache too.
    script?.save();
    return errors.EXIT.ok;
  } catch (error) {
    const { reportError } = await import('../io/report-error.js');
    return reportError(io, error);
  }
}

/** Node's modules every `plan --from` loads, loaded before {@link PLAN_INTERRUPT_BUDGET} is set. */
const PLAN_BUILTINS = ['node:vm', 'node:crypto'];

/** V8's `--interrupt-budget` for `plan --from`: 4 times node 20's default (66 KB). */
const PLAN_INTERRUPT_BUDGET = 4 * 66 * 1024;

/** `dist/cli/plan-script.cjs` (`scripts/bundle-reads.mjs`): `plan-command.ts` as one classic script. */
const PLAN_SCRIPT = fileURLToPath(new URL('./plan-script.cjs', import.meta.url));

/**
 * The plan script compiled with V8's code cache (`code-cache.cts`, as the read script): once the
 * cache is warm, `plan --from` compiles none of the ~200 KB of code it runs. The modules it
 * shares with the rest of the CLI (the errors `reportError` checks with `instanceof`, the pool of
 * git shells) are this process's ES modules, handed to the script as its `require` answers;
 * its `import()`s are this module's. Null where there is no script (running from source) or it
 * does not load (it refuses another release of better-sqlite3 than the one it holds): the
 * caller runs the ES module bundle, which does the same.
 */
async function loadPlanScript(): Promise<{ plan: typeof planCommand; save: () => void } | null> {
  const require = createRequire(import.meta.url);
  let source: Buffer;
  try {
    source = readFileSync(PLAN_SCRIPT);
  } catch {
    return null;
  }
  const [gitExec, gitError, redactSecrets] = await Promise.all([
    import('../git/git-exec.js'),
    import('../git/git-error.js'),
    import('../process/redact-secrets.js'),
  ]);
  const shared: Record<string, unknown> = {
    '../errors.js': errors,
    '../git/git-exec.js': gitExec,
    '../git/git-error.js': gitError,
    '../process/redact-secrets.js': redactSecrets,
  };
  const scriptRequire = createRequire(PLAN_SCRIPT);
  const requireInScript = (id: string): unknown => (id in shared ? shared[id] : scriptRequire(id));
  const importInScript = (id: string): Promise<unknown> => import(new URL(id, import.meta.url).href);
  try {
    const codeCache = require('./code-cache.cjs') as typeof import('./code-cache.cjs');
    const compiled = codeCache.compileCached(source, PLAN_SCRIPT, codeCache.codeCacheDir(), cacheName());
    const module = { exports: {} as { plan?: typeof planCommand } };
    (compiled.script.runInThisContext() as (...args: unknown[]) => void).call(
      module.exports,
      module.exports,
      requireInScript,
      module,
      PLAN_SCRIPT,
      dirname(PLAN_SCRIPT),
      importInScript,
    );
    const { plan } = module.exports;
    return plan ? { plan, save: compiled.save } : null;
  } catch {
    return null;
  }
}

/**
 * The cache file's name: one per installation (the script's path, hashed), so two builds run
 * one after the other (a benchmark of two checkouts, the tests of two clones) each keep their
 * cache instead of replacing each other's at every run; a rebuild replaces its own.
 */
function cacheName(): string {
  // FNV-1a, 32 bits: a name, not a check (the cache file holds the source it was made from).
  let hash = 0x811c9dc5;
  for (let i = 0; i < PLAN_SCRIPT.length; i++) hash = Math.imul(hash ^ PLAN_SCRIPT.charCodeAt(i), 0x01000193);
  return `plan-script-${(hash >>> 0).toString(16).padStart(8, '0')}`;
}
