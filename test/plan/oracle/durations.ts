// src/plan/durations.ts as it was before issue 11's fourth plan --from pass (commit 1155442): an oracle
// of test/plan/validate-oracle.property.test.ts, not changed with the code.
import { formatSpan, parseDuration } from '../../../src/core/duration.js';
import type { Estimate } from '../../../src/core/types.js';
import { PLAN_CODES } from '../../../src/plan/codes.js';
import { describeValue, type FieldPath, formatFieldPath, isRecord } from '../../../src/plan/field-path.js';
import type { ProblemSink } from '../../../src/plan/problems.js';

const FORMS = 'use 90m, 2h, 1d (a working day of 8h), 30s or a number of minutes';

/** The longest timeout a Node.js timer holds (2^31 - 1 ms, about 24.8 days), in whole minutes. */
export const MAX_TIMER_MINUTES = Math.floor((2 ** 31 - 1) / 60_000);
const POINTS = ['optimistic', 'likely', 'pessimistic'] as const;

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

/** A task estimate: one duration (o = m = p) or `{ optimistic, likely, pessimistic }` with o <= m <= p. */
export function checkEstimate(value: unknown, path: FieldPath, sink: ProblemSink): Estimate | undefined {
  if (!isRecord(value)) {
    const minutes = checkDuration(value, path, sink, { positive: false });
    return minutes === undefined ? undefined : { optimistic: minutes, likely: minutes, pessimistic: minutes };
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    if ((POINTS as readonly string[]).includes(key)) continue;
    sink.add(
      PLAN_CODES.schema,
      `unknown key \`${key}\` in estimate (allowed: ${POINTS.join(', ')})`,
      [...path, key],
      'key',
    );
    ok = false;
  }
  const points: Partial<Estimate> = {};
  for (const point of POINTS) {
    if (value[point] === undefined) {
      sink.add(PLAN_CODES.duration, `estimate needs \`${point}\` (give all of ${POINTS.join(', ')})`, path);
      ok = false;
      continue;
    }
    const minutes = checkDuration(value[point], [...path, point], sink, { positive: false });
    if (minutes === undefined) ok = false;
    else points[point] = minutes;
  }
  if (!ok) return undefined;
  const estimate = points as Estimate;
  if (!(estimate.optimistic <= estimate.likely && estimate.likely <= estimate.pessimistic)) {
    const shown = POINTS.map((point) => `${point} ${formatSpan(estimate[point])}`).join(', ');
    sink.add(
      PLAN_CODES.duration,
      `estimate must have optimistic <= likely <= pessimistic, got ${shown}`,
      path,
    );
    return undefined;
  }
  return estimate;
}
