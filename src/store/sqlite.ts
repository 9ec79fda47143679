import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/**
 * better-sqlite3's `Database`, required rather than imported: node's ES module loader would
 * first scan the package's CommonJS source for its export names (cjs-module-lexer), ~10 ms of
 * every read command's start.
 */
export const Database = require('better-sqlite3') as typeof BetterSqlite3;

let binding: string | null | undefined;

/**
 * The compiled addon the package's own lookup (the `bindings` package) would load, found the way
 * it looks first: `build/`, `build/Debug/`, `build/Release/` of the package. Handed to
 * `new Database` as `nativeBinding`, it skips that lookup (a stack trace and a dozen probed paths,
 * ~6 ms); `undefined` (elsewhere, e.g. a prebuilt under `lib/binding`) leaves it to the lookup.
 */
export function nativeBinding(): string | undefined {
  if (binding === undefined) {
    const root = dirname(require.resolve('better-sqlite3/package.json'));
    binding =
      ['build', 'build/Debug', 'build/Release']
        .map((dir) => join(root, dir, 'better_sqlite3.node'))
        .find((file) => existsSync(file)) ?? null;
  }
  return binding ?? undefined;
}
