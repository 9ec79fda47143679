import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../bench/generate-plan.js';
import { parsePlan } from '../../src/plan/parse.js';
import { canonicalJson, canonicalJsonByReplacer } from '../../src/planning/plan-hash.js';
import { propertySettings } from '../helpers/property.js';

describe('canonicalJson through a sorted property list', () => {
  it('gives exactly the text of the replacer version for any JSON-like value', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, undefined, true, false, 0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e21),
        fc.string(),
        fc.double(),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(
          fc.oneof(
            fc.string({ maxLength: 4 }),
            // Keys the property list of JSON.stringify would read through a prototype, and
            // integer keys, which objects list first.
            fc.constantFrom('__proto__', 'toString', 'constructor', 'valueOf', '0', '1', '10', '01'),
            fc.constantFrom('4294967294', '4294967295', '-1', '1.5'),
          ),
          tie('node'),
          { maxKeys: 5 },
        ),
        fc.constant(new Date(0)),
        fc.constant(Object.create(null) as object),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(canonicalJsonByReplacer(v));
      }),
      propertySettings(3000),
    );
  });

  it('gives the same text for a stored plan', () => {
    const { plan } = parsePlan(JSON.stringify(generatePlan({ tasks: 300, seed: 5 })), { file: 'p.json' });
    expect(canonicalJson(plan)).toBe(canonicalJsonByReplacer(plan));
  });
});
