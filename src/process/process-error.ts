/**
 * A program that could not be started at all (missing, not executable, bad working directory).
 * A program that starts and then fails is not an error: it is a {@link ProcessResult} value.
 */
export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
  readonly code = 'MILESTONE_PROCESS_START';
  constructor(
    /** The program (or shell command line) that was to run. */
    readonly file: string,
    /** The system error code, e.g. `ENOENT` or `EACCES`. */
    readonly systemCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
