import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/core/types.js';
import { makespanCurve } from '../../src/planning/makespan.js';
import { propertySettings } from '../helpers/property.js';
import * as oracle from './makespan-oracle.js';
import { task } from './plan-builder.js';

// Small, repeated durations, so equal priorities and tasks ending at the same instant are common,
// and some tasks without an estimate (their phase's mean).
const estimate = fc.option(
  fc.record({
    optimistic: fc.constantFrom(0, 10, 30),
    likely: fc.constantFrom(10, 30, 60),
    pessimistic: fc.constantFrom(60, 90, 240),
  }),
  { nil: undefined },
);
const plan = fc
  .array(
    fc.record({
      phase: fc.constantFrom('design', 'spec', 'execute', 'execute' as const),
      estimate,
      needs: fc.array(fc.nat(30), { maxLength: 4 }),
    }),
    { maxLength: 30 },
  )
  .map((specs): TaskSpec[] =>
    specs.map((spec, i) =>
      task(`t${i}`, {
        phase: spec.phase,
        ...(spec.estimate && { estimate: spec.estimate }),
        // Needs only of earlier tasks (no cycles), repeats and other phases included.
        needs: spec.needs.filter((n) => n < i).map((n) => `t${n}`),
      }),
    ),
  );

describe('makespanCurve (oracle property)', () => {
  it('gives exactly the minutes the simple simulation gives, for every agent count', () => {
    fc.assert(
      fc.property(plan, fc.integer({ min: 1, max: 8 }), (tasks, agents) => {
        expect(makespanCurve(tasks, agents)).toEqual(oracle.makespanCurve(tasks, agents));
      }),
      propertySettings(300),
    );
  });
});
