/** A git command that failed unexpectedly: the command, where, and what git said. */
export class GitError extends Error {
  override readonly name = 'GitError';
  readonly code = 'MILESTONE_GIT';
  constructor(
    message: string,
    /** The git arguments (without `git`). */
    readonly args: readonly string[],
    /** Where it ran. */
    readonly cwd: string,
    /** Its exit code; `null` when it could not start or died by a signal. */
    readonly exitCode: number | null,
    /** What git printed on stderr, trimmed. */
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
