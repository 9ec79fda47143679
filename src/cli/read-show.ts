/**
 * `show` for the quick path (`quick-read.ts`). The build bundles this module with the modules it
 * loads statically into this one file (`scripts/bundle-reads.mjs`): node's ES module loader
 * spends 1–2 ms on every file it loads, and a read loads about forty.
 */
export { show } from './commands/show.js';
