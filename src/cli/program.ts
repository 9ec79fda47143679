import { Command } from '@commander-js/extra-typings';
import { EXIT } from '../errors.js';
import type { Io } from '../io/io.js';
import { recordingIo } from '../io/io.js';
import { reportError } from '../io/report-error.js';
import { addExamples } from './help-examples.js';
import { registerCommands } from './register.js';
import { packageVersion } from './version.js';

/**
 * The width help is wrapped at, at most: `bin.cjs` answers `milestone --help` with the top-level
 * help written at this width by the build (`write-help.ts`), so commander must print the same.
 */
export const HELP_WIDTH = 80;

/** Help wraps at HELP_WIDTH, or narrower on a narrower terminal (never wider: see HELP_WIDTH). */
function helpWidth(stream: NodeJS.WriteStream): number {
  return Math.min(HELP_WIDTH, stream.isTTY ? stream.columns || HELP_WIDTH : HELP_WIDTH);
}

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
      '\nExit codes: 0 done, 1 the work failed (task, conflict, budget), 2 bad input or\n' +
        'usage (nothing changed), 3 locked by another coordinator, 130 interrupted (state\n' +
        'saved; execute resumes).\n' +
        'Start: milestone init, write a plan file (README: Quick start), then\n' +
        '  milestone validate plan.yaml && milestone plan --from plan.yaml && milestone execute --dry-run\n' +
        'Each command: milestone <command> --help (options and examples)',
    )
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      getOutHelpWidth: () => helpWidth(process.stdout),
      getErrHelpWidth: () => helpWidth(process.stderr),
    })
    .exitOverride();
  registerCommands(program, io, cwd);
  addExamples(program);
  return program;
}

/** Parses `argv` with the commander program and runs the command; returns the exit code. */
export async function runProgram(argv: string[], io: Io, cwd: string): Promise<number> {
  try {
    await buildProgram(io, cwd).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportError(io, error);
  }
}

/**
 * The top-level help exactly as `milestone --help` prints it where help is HELP_WIDTH wide (not on
 * a narrower terminal): what the build writes to HELP_FILE.
 */
export function topLevelHelp(): string {
  const io = recordingIo();
  buildProgram(io, process.cwd())
    .configureOutput({ getOutHelpWidth: () => HELP_WIDTH })
    .outputHelp();
  // As processIo writes each chunk: with one line end.
  return io.stdout.map((text) => (text.endsWith('\n') ? text : `${text}\n`)).join('');
}
