import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonDuplicateKeys, mayRepeatKeys } from '../../src/plan/json-scan.js';
import { propertySettings } from '../helpers/property.js';

/**
 * JSON text of `value` with the given white space between tokens; when `repeatAt` names an
 * object (in writing order) that has keys, its first key is written once more in front of its
 * entries (so `JSON.parse` keeps the later, original one).
 */
function write(
  value: unknown,
  space: () => string,
  repeatAt: number | null,
): { text: string; repeated: string | null } {
  let objects = 0;
  let repeated: string | null = null;
  const go = (node: unknown): string => {
    if (Array.isArray(node)) return `[${space()}${node.map(go).join(`${space()},${space()}`)}${space()}]`;
    if (node !== null && typeof node === 'object') {
      const index = objects++;
      const entries = Object.entries(node).map(
        ([key, item]) => `${JSON.stringify(key)}${space()}:${space()}${go(item)}`,
      );
      const first = Object.keys(node)[0];
      if (index === repeatAt && first !== undefined) {
        repeated = first;
        entries.unshift(`${JSON.stringify(first)}${space()}:${space()}"written first"`);
      }
      return `{${space()}${entries.join(`${space()},${space()}`)}${space()}}`;
    }
    return JSON.stringify(node);
  };
  return { text: go(value), repeated };
}

/** Every key and string value in `value`. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => [key, ...strings(item)]);
  return [];
}

describe('duplicate keys in JSON (property)', () => {
  it('a key written twice is always caught, at both places; a text without one never is', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        fc.array(fc.constantFrom('', ' ', '\n', '\t', '\r\n', '  '), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat({ max: 6 })),
        (value, spaces, repeatAt) => {
          let turn = 0;
          const { text, repeated } = write(value, () => spaces[turn++ % spaces.length]!, repeatAt);
          const parsed: unknown = JSON.parse(text);
          const found = findJsonDuplicateKeys(text);
          if (repeated === null) {
            expect(found).toEqual([]);
            // Only a quote or colon inside a key or string can make the cheap test unsure.
            if (!strings(value).some((t) => /[":]/.test(t))) expect(mayRepeatKeys(text, parsed)).toBe(false);
            return;
          }
          expect(mayRepeatKeys(text, parsed)).toBe(true);
          expect(found).toHaveLength(1);
          const [{ path, offset, first }] = found as [(typeof found)[number]];
          expect(path[path.length - 1]).toBe(repeated);
          expect(first).toBeLessThan(offset);
          for (const at of [first, offset]) {
            const token = /"(?:[^"\\]|\\.)*"/y;
            token.lastIndex = at;
            expect(JSON.parse(token.exec(text)![0])).toBe(repeated);
          }
        },
      ),
      propertySettings(300),
    );
  });
});
