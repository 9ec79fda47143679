#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Io } from '../io/io.js';
import { processIo } from '../io/io.js';
import { quickAnswer } from './quick-answer.js';

/**
 * The CLI entry: the only place that sets the process exit code. This module stays small: the
 * commander program (`program.ts`) and everything behind it load only when a command runs, so
 * `milestone --version` and `--help` answer in about the time node itself takes to start.
 */
export async function main(argv: string[], io: Io = processIo, cwd = process.cwd()): Promise<number> {
  const { runProgram } = await import('./program.js');
  return runProgram(argv, io, cwd);
}

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  // `milestone ... | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const argv = process.argv.slice(2);
  const answer = quickAnswer(argv);
  if (answer) {
    process[answer.stream].write(answer.text);
    process.exitCode = answer.code;
  } else {
    main(argv).then((code) => {
      process.exitCode = code;
    });
  }
}
