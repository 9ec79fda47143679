#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { EXIT } from '../errors.js';
import type { Io } from '../io/io.js';
import { processIo } from '../io/io.js';
import { reportError } from '../io/report-error.js';
import { registerCommands } from './register.js';

/** Builds the program; `io` and `cwd` are parameters so tests can run it in-process. */
export function buildProgram(io: Io, cwd: string): Command {
  const program = new Command('milestone')
    .description(
      'Take a software milestone from plan to merged code with coding agents working in parallel. ' +
        'Phases: design -> spec -> task -> execute. Every task runs in its own git worktree and lands ' +
        'on the branch milestone/<id> through a serialized merge queue.',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 the work failed (task, conflict, budget), 2 bad input (nothing changed),\n' +
        '3 locked by another coordinator, 130 interrupted (state saved; execute resumes).\n' +
        'Start: milestone init && milestone plan --from plan.yaml && milestone execute --dry-run',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  registerCommands(program, io, cwd);
  return program;
}

/** The CLI entry: the only place that sets the process exit code. */
export async function main(argv: string[], io: Io = processIo, cwd = process.cwd()): Promise<number> {
  try {
    await buildProgram(io, cwd).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportError(io, error);
  }
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
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
