import { formatSpan, parseDuration } from '../core/duration.js';
import type { Estimate } from '../core/types.js';
import { PLAN_CODES } from './codes.js';
import { describeValue, type FieldPath, formatFieldPath, isRecord } from './field-path.js';
import type { ProblemSink } from './problems.js';

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
  const name = () => formatFieldPath(path.slice(-1)) || 'duration';
  const minutes = durationMinutes(value);
  if (minutes === null) {
    const shown =
      typeof value === 'string'
        ? JSON.stringify(value)
        : typeof value === 'number'
          ? String(value)
          : describeValue(value);
    sink.add(PLAN_CODES.duration, `${name()} ${shown} is not a duration: ${FORMS}`, path);
    return undefined;
  }
  if (options.positive && minutes <= 0) {
    sink.add(PLAN_CODES.duration, `${name()} must be more than 0`, path);
    return undefined;
  }
  if (options.timer && minutes > MAX_TIMER_MINUTES) {
    sink.add(
      PLAN_CODES.duration,
      `${name()} ${typeof value === 'string' ? JSON.stringify(value) : value} is ${formatSpan(minutes)}, longer than a timer can wait (at most ${formatSpan(MAX_TIMER_MINUTES)})`,
      path,
    );
    return undefined;
  }
  return minutes;
}

/**
 * Minutes of a duration value (`90m`, `2h`, a number of minutes), or `null` when it is not
 * one. Nothing is reported: {@link checkDuration} says why.
 */
export function durationMinutes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  // A plan repeats a few duration texts thousands of times: each is parsed once.
  let minutes = parsedTexts.get(value);
  if (minutes === undefined) {
    minutes = parseDuration(value);
    if (parsedTexts.size < 10_000) parsedTexts.set(value, minutes);
  }
  return minutes;
}

const parsedTexts = new Map<string, number | null>();

/**
 * The minutes of a timeout {@link checkDuration} accepts (`positive` and `timer`) without a
 * problem, else `undefined`: the check of every task's timeout, no field path built for it.
 */
export function timerMinutes(value: unknown): number | undefined {
  const minutes = durationMinutes(value);
  return minutes !== null && minutes > 0 && minutes <= MAX_TIMER_MINUTES ? minutes : undefined;
}

/**
 * The estimate {@link checkEstimate} gives for `value` when it finds no problem, else
 * `undefined` (then {@link checkEstimate} reports why): no field path is built for a good one.
 */
export function estimateOf(value: unknown): Estimate | undefined {
  if (!isRecord(value)) {
    const minutes = durationMinutes(value);
    return minutes === null ? undefined : { optimistic: minutes, likely: minutes, pessimistic: minutes };
  }
  // `for in` sees every key Object.keys does (and inherited ones): only points allowed.
  for (const key in value) {
    if (key !== 'optimistic' && key !== 'likely' && key !== 'pessimistic') return undefined;
  }
  const optimistic = durationMinutes(value.optimistic);
  const likely = durationMinutes(value.likely);
  const pessimistic = durationMinutes(value.pessimistic);
  if (optimistic === null || likely === null || pessimistic === null) return undefined;
  if (!(optimistic <= likely && likely <= pessimistic)) return undefined;
  return { optimistic, likely, pessimistic };
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
