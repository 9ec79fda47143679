import { createRequire } from 'node:module';
import type picomatch from 'picomatch';

let library: typeof picomatch | undefined;

/**
 * picomatch, loaded on first use: most plan globs are compared and resolved without a regular
 * expression (`dir/**`, literal paths), and `plan` loads it (~10 ms: CommonJS files through the
 * ES module loader) only when one needs it. Synchronous, so the glob functions stay so.
 */
export function picomatchLibrary(): typeof picomatch {
  library ??= createRequire(import.meta.url)('picomatch') as typeof picomatch;
  return library;
}
