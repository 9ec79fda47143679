/**
 * The few error classes of milestone. Each carries a stable `code`; the underlying error is
 * chained as `cause`. Exit codes are decided once, in the CLI entry point, from these.
 */

/** Exit codes of docs/contract.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 3, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Where in an input a problem sits: a file, and optionally a line/column or a field path. */
export interface Location {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted path of the field, e.g. `tasks[3].needs[0]`. */
  field?: string;
}

/** One problem found in user input. */
export interface Problem {
  code: string;
  message: string;
  location?: Location;
}

/** Renders `file:line:col (field): message`, leaving out what is unknown. */
export function formatProblem(problem: Problem): string {
  const loc = problem.location;
  if (!loc) return problem.message;
  let where = loc.file ?? '';
  if (loc.line !== undefined) where += `:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}`;
  if (loc.field) where += where ? ` (${loc.field})` : loc.field;
  return where ? `${where}: ${problem.message}` : problem.message;
}

/** Bad input or usage (exit 2). Nothing was changed when this is thrown. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT.usage;
  constructor(
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another live coordinator holds the milestone (exit 3). */
export class LockedError extends Error {
  override readonly name = 'LockedError';
  readonly code = 'MILESTONE_LOCKED';
  readonly exitCode = EXIT.locked;
  constructor(
    message: string,
    readonly holder: { pid: number; host: string },
  ) {
    super(message);
  }
}

/**
 * A failure already explained to the user (exit 1 unless said otherwise): a task failed after
 * its retries, a conflict needs a person, a budget ran out, or the run was interrupted (130).
 */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A bug in milestone itself: an invariant broke. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
  readonly code = 'MILESTONE_INTERNAL';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The exit code an error stands for; unknown errors are bugs and exit 1. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError || error instanceof LockedError || error instanceof ExitError) {
    return error.exitCode;
  }
  return EXIT.failed;
}
