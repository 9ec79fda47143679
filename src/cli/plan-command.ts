/**
 * `plan` as the CLI runs it (the quick path of `quick-plan.ts` and the commander program). The
 * build bundles this module with the modules it loads statically into this one file
 * (`scripts/bundle-reads.mjs`): node's ES module loader spends 1–2 ms on every file it loads, and
 * `plan --from` loads about ninety.
 */
export { plan } from './commands/plan.js';
