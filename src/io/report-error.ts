import { CommanderError } from 'commander';
import {
  EXIT,
  ExitError,
  exitCodeOf,
  formatProblem,
  InternalError,
  LockedError,
  UsageError,
} from '../errors.js';
import { environmentFailure } from './environment-error.js';
import type { Io } from './io.js';

/** Prints an error the way users should see it and returns the exit code. */
export function reportError(io: Io, error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message; --help and --version end here with 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError) {
    if (error.problems.length === 0) io.err(`milestone: ${error.message}`);
    else if (error.problems.length === 1) io.err(`milestone: ${formatProblem(error.problems[0]!)}`);
    else {
      io.err(`milestone: ${error.message} (${error.problems.length} problems)`);
      for (const problem of error.problems) io.err(`  ${formatProblem(problem)}`);
    }
  } else if (error instanceof LockedError || error instanceof ExitError) {
    io.err(`milestone: ${error.message}`);
  } else if (environmentFailure(error)) {
    // The machine or git refused: the cause is the message, and it is not a bug of milestone.
    io.err(`milestone: ${environmentFailure(error)}`);
    return EXIT.usage;
  } else {
    const bug = error instanceof InternalError ? error : new InternalError(String(error), { cause: error });
    io.err(`milestone: internal error: ${bug.message}`);
    const stack = error instanceof Error ? error.stack : undefined;
    if (stack && process.env.MILESTONE_DEBUG) io.err(stack);
    else io.err('(set MILESTONE_DEBUG=1 for the stack trace; please report it)');
  }
  return exitCodeOf(error);
}
