import { DEFAULT_WEIGHTS, PHASES, type PhaseWeights } from '../core/types.js';
import { PLAN_CODES } from './codes.js';
import { describeValue, isRecord } from './field-path.js';
import type { ProblemSink } from './problems.js';

const TOLERANCE = 1e-6;

/**
 * The plan's phase weights: all four phases, none negative, summing to 1. Absent means the
 * reference weights; anything wrong is reported and the reference weights returned.
 */
export function checkWeights(value: unknown, sink: ProblemSink): PhaseWeights {
  if (value === undefined) return { ...DEFAULT_WEIGHTS };
  const example = PHASES.map((phase) => `${phase}: ${DEFAULT_WEIGHTS[phase]}`).join(', ');
  if (!isRecord(value)) {
    sink.add(
      PLAN_CODES.weights,
      `weights must be a mapping like { ${example} }, got ${describeValue(value)}`,
      ['weights'],
    );
    return { ...DEFAULT_WEIGHTS };
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    if ((PHASES as readonly string[]).includes(key)) continue;
    sink.add(
      PLAN_CODES.weights,
      `unknown phase \`${key}\` in weights; the phases are ${PHASES.join(', ')}`,
      ['weights', key],
      'key',
    );
    ok = false;
  }
  const missing = PHASES.filter((phase) => value[phase] === undefined);
  if (missing.length > 0) {
    sink.add(
      PLAN_CODES.weights,
      `weights must give all four phases (${PHASES.join(', ')}); missing: ${missing.join(', ')}`,
      ['weights'],
    );
    ok = false;
  }
  const weights = { ...DEFAULT_WEIGHTS };
  for (const phase of PHASES) {
    const weight = value[phase];
    if (weight === undefined) continue;
    if (typeof weight !== 'number' || !Number.isFinite(weight)) {
      sink.add(PLAN_CODES.weights, `weights.${phase} must be a number, got ${describeValue(weight)}`, [
        'weights',
        phase,
      ]);
      ok = false;
    } else if (weight < 0) {
      sink.add(PLAN_CODES.weights, `weights.${phase} must not be negative, got ${weight}`, [
        'weights',
        phase,
      ]);
      ok = false;
    } else {
      weights[phase] = weight;
    }
  }
  if (!ok) return { ...DEFAULT_WEIGHTS };
  const sum = PHASES.reduce((total, phase) => total + weights[phase], 0);
  if (Math.abs(sum - 1) > TOLERANCE) {
    const terms = PHASES.map((phase) => weights[phase]).join(' + ');
    const hint =
      Math.abs(sum - 100) < 1e-3 ? '; these look like percentages, write fractions (0.15, not 15)' : '';
    sink.add(PLAN_CODES.weights, `weights must sum to 1, got ${round(sum)} (${terms})${hint}`, ['weights']);
    return { ...DEFAULT_WEIGHTS };
  }
  return weights;
}

function round(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
