import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../bench/generate-plan.js';
import { planFileSchemas } from '../../src/plan/schema.js';
import { planFitsSchema } from '../../src/plan/schema-shape.js';
import { propertySettings } from '../helpers/property.js';

// Values near the schema's edges: right and wrong types, empty strings, odd numbers, junk.
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.constantFrom('x', 'feat', 'Feat', 'fix-1', 'a'.repeat(21), 'each', 'batch', 'phase', 'other'),
  fc.constantFrom(0, 1, -1, 2, 1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.constantFrom('a', '', 1, null), { maxLength: 3 }),
);

/** Mostly a value the schema accepts, sometimes junk: so both answers of the check occur. */
function mostly<T>(valid: fc.Arbitrary<T>) {
  return fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: junk, weight: 1 });
}

const text = mostly(fc.constantFrom('a', 'src/**', 'Do it'));
const stringList = mostly(fc.array(fc.constantFrom('a', 'b', 'src/*.ts', '', 'c'), { maxLength: 3 }));
const retries = mostly(fc.nat({ max: 5 }));
const commitType = mostly(fc.constantFrom('feat', 'fix', 'chore', 'docs-2'));

/** Some of `fields`, each drawn from its arbitrary, plus now and then a key the schema lacks. */
function record(fields: Record<string, fc.Arbitrary<unknown>>, required: string[] = []) {
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: required }),
      fc.oneof(
        { arbitrary: fc.constant(null), weight: 15 },
        { arbitrary: fc.constantFrom('name', 'depends', '__proto__', 'constructor', 'x'), weight: 1 },
      ),
      junk,
    )
    .map(([value, extra, extraValue]) => {
      if (extra === null) return value;
      return Object.defineProperty({ ...value }, extra, {
        value: extraValue,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
}

const task = mostly(
  record(
    {
      id: mostly(fc.constantFrom('a', 'b-1', '')),
      title: text,
      phase: mostly(fc.constantFrom('design', 'execute', 'Execute')),
      prompt: mostly(fc.constantFrom('do', '')),
      run: mostly(fc.constantFrom('echo', '')),
      needs: stringList,
      files: stringList,
      estimate: junk,
      agent: text,
      verify: text,
      timeout: junk,
      retries,
      commitType,
    },
    ['id', 'title'],
  ),
);

const phase = mostly(record({ verify: text }));

const plan = mostly(
  record(
    {
      version: mostly(fc.constant(1)),
      milestone: text,
      id: mostly(fc.constantFrom('m', '')),
      description: mostly(fc.constantFrom('', 'about')),
      base: text,
      weights: junk,
      defaults: mostly(record({ agent: text, verify: text, timeout: junk, retries, commitType })),
      verify: text,
      integration: mostly(fc.constantFrom('each', 'batch', 'phase')),
      phases: mostly(record({ design: phase, spec: phase, task: phase, execute: phase })),
      tasks: mostly(fc.array(task, { maxLength: 4 })),
    },
    ['version'],
  ),
);

describe('the zod-free plan shape check', () => {
  it('says yes only where the zod schema accepts too', () => {
    let accepted = 0;
    let refused = 0;
    // Every one of the runs, however long the machine takes (no time limit, a few seconds quiet):
    // the counts asked below are then a fact of the seed, not of the load.
    const { interruptAfterTimeLimit: _, ...settings } = propertySettings(3000);
    fc.assert(
      fc.property(plan, (raw) => {
        const fits = planFitsSchema(raw);
        if (fits) accepted++;
        else refused++;
        if (fits) expect(planFileSchemas().planFileSchema.safeParse(raw).success).toBe(true);
      }),
      settings,
    );
    // The property says something only if both answers occur often.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it('accepts every well-formed plan, as JSON parses it, so zod is not needed for it', () => {
    const raw = JSON.parse(JSON.stringify(generatePlan({ tasks: 500, seed: 3 })));
    expect(planFitsSchema(raw)).toBe(true);
    expect(planFileSchemas().planFileSchema.safeParse(raw).success).toBe(true);
  });
});
