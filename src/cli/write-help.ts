import { writeFileSync } from 'node:fs';
import { topLevelHelp } from './program.js';

// Build step (`npm run build`): the top-level help, written from the real commander program beside
// `bin.cjs`, so `milestone --help` can answer without loading commander
// (test/cli/quick-answer.test.ts checks that both print the same).
writeFileSync(new URL('./help.txt', import.meta.url), topLevelHelp());
