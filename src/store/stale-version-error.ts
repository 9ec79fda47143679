/**
 * An append carried `expectVersion` and the milestone moved on meanwhile: someone else wrote
 * first. Retryable by design: re-read the state, decide again, append again.
 */
export class StaleVersionError extends Error {
  override readonly name = 'StaleVersionError';
  readonly code = 'MILESTONE_STALE_VERSION';
  readonly retryable = true;
  constructor(
    readonly milestoneId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`milestone ${milestoneId} is at version ${actual}, expected ${expected}: it changed meanwhile`);
  }
}
