// src/plan/durations.ts's checkDuration as it was before issue 11's fourth plan --from pass (commit
// 1155442): an oracle of test/plan/validate-oracle.property.test.ts, not changed with the code. The
// estimate's own rules are the code's checkEstimate (what the oracle checks there is the code's fast
// path, estimateOf, against it).
import { formatSpan, parseDuration } from '../../../src/core/duration.js';
import { PLAN_CODES } from '../../../src/plan/codes.js';
import { describeValue, type FieldPath, formatFieldPath } from '../../../src/plan/field-path.js';
import type { ProblemSink } from '../../../src/plan/problems.js';

const FORMS = 'use 90m, 2h, 1d (a working day of 8h), 30s or a number of minutes';

/** The longest timeout a Node.js timer holds (2^31 - 1 ms, about 24.8 days), in whole minutes. */
export const MAX_TIMER_MINUTES = Math.floor((2 ** 31 - 1) / 60_000);

/**
 * Minutes of a duration field (`90m`, `2h`, `1d`, `30s`, or a number = minutes), or
 * `undefined` after reporting why not. A timeout must be more than zero; an estimate may be 0.
 */
export function checkDuration(
  value: unknown,
  path: FieldPath,
  sink: ProblemSink,
  options: { positive: boolean; timer?: boolean },
): number | undefined {
  const name = formatFieldPath(path.slice(-1)) || 'duration';
  let minutes: number | null = null;
  if (typeof value === 'number') minutes = Number.isFinite(value) && value >= 0 ? value : null;
  else if (typeof value === 'string') minutes = parseDuration(value);
  if (minutes === null) {
    const shown =
      typeof value === 'string'
        ? JSON.stringify(value)
        : typeof value === 'number'
          ? String(value)
          : describeValue(value);
    sink.add(PLAN_CODES.duration, `${name} ${shown} is not a duration: ${FORMS}`, path);
    return undefined;
  }
  if (options.positive && minutes <= 0) {
    sink.add(PLAN_CODES.duration, `${name} must be more than 0`, path);
    return undefined;
  }
  if (options.timer && minutes > MAX_TIMER_MINUTES) {
    sink.add(
      PLAN_CODES.duration,
      `${name} ${typeof value === 'string' ? JSON.stringify(value) : value} is ${formatSpan(minutes)}, longer than a timer can wait (at most ${formatSpan(MAX_TIMER_MINUTES)})`,
      path,
    );
    return undefined;
  }
  return minutes;
}

export { checkEstimate } from '../../../src/plan/durations.js';
