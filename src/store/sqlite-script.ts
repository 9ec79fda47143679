import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import BundledDatabase from 'better-sqlite3';
import bundled from 'better-sqlite3/package.json' with { type: 'json' };

/**
 * `sqlite.ts` as the read script has it (`dist/cli/read-script.cjs`: `scripts/bundle-reads.mjs`
 * puts this module in place of `sqlite.ts`, and never loads it otherwise). The package's
 * JavaScript is bundled into the script and so in its code cache: requiring it costs node's
 * CommonJS loader some fifteen files to resolve and compile at every read. That code talks to the
 * installed compiled addon, so both must be the same release: where the installed package is
 * another version, or its addon is not where this looks, the module throws and the read script
 * hands the read to the ES module CLI (`sqlite.ts`, the package as installed).
 */
const require = createRequire(import.meta.url);
const root = dirname(require.resolve('better-sqlite3/package.json'));
const installed = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
  .version;
if (installed !== bundled.version)
  throw new Error(`better-sqlite3 ${installed} is installed, the read script holds ${bundled.version}`);
const addon = ['build', 'build/Debug', 'build/Release']
  .map((dir) => join(root, dir, 'better_sqlite3.node'))
  .find((file) => existsSync(file));
if (addon === undefined) throw new Error('the read script finds no better_sqlite3.node to load');

/** better-sqlite3's `Database` (see `sqlite.ts`). */
export const Database: typeof BetterSqlite3 = BundledDatabase;

/** The installed addon (see `sqlite.ts`): here always found, else the module threw. */
export function nativeBinding(): string | undefined {
  return addon;
}
