import { writeFileSync } from 'node:fs';
import { topLevelHelp } from './program.js';
import { HELP_FILE } from './quick-answer.js';

// Build step (`npm run build`): the top-level help, written from the real commander program, so
// `milestone --help` can answer without loading commander (test/cli/quick-answer.test.ts checks
// that both print the same).
writeFileSync(HELP_FILE, topLevelHelp());
