import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globsMayIntersect, intersectingPairs } from '../../src/core/glob-overlap.js';
import { propertySettings } from '../helpers/property.js';

// Paths are drawn from few segment names, so generated globs often meet and sometimes do not.
const SEGMENTS = ['a', 'b', 'ab', 'src', 'lib', 'x.ts', 'y.md', '.env', 'a.b.c'];
const segment = fc.constantFrom(...SEGMENTS);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

/** One way to turn a path segment into a glob segment that still matches it. */
type Widen =
  | 'keep'
  | 'star'
  | 'question'
  | 'prefix-star'
  | 'star-suffix'
  | 'brace'
  | 'class'
  | 'globstar-before';
const widen = fc.constantFrom<Widen>(
  'keep',
  'star',
  'question',
  'prefix-star',
  'star-suffix',
  'brace',
  'class',
  'globstar-before',
);

function widenSegment(text: string, how: Widen, other: string): string[] {
  switch (how) {
    case 'keep':
      return [text];
    case 'star':
      return ['*'];
    case 'question':
      return [`?${text.slice(1)}`];
    case 'prefix-star':
      return [`${text.slice(0, 1)}*`];
    case 'star-suffix':
      return [`*${text.slice(-1)}`];
    case 'brace':
      return other === text ? [text] : [`{${other},${text}}`];
    case 'class':
      return [`[${text[0]}z]${text.slice(1)}`];
    case 'globstar-before':
      return ['**', text];
  }
}

/** A path and a glob built from it segment by segment, so the glob matches the path. */
function globOf(source: string) {
  const parts = source.split('/');
  return fc
    .tuple(
      fc.array(widen, { minLength: parts.length, maxLength: parts.length }),
      fc.array(segment, { minLength: parts.length, maxLength: parts.length }),
      fc.boolean(),
    )
    .map(([hows, others, tail]) => {
      const glob = parts.flatMap((part, i) => widenSegment(part, hows[i]!, others[i]!));
      // `dir/**` matches `dir` itself too in picomatch; only used for a last segment kept whole.
      if (tail && glob.length > 1) glob[glob.length - 1] = '**';
      return glob.join('/');
    });
}

const matches = (glob: string, candidate: string) =>
  picomatch(glob, { dot: true, windows: false })(candidate);

describe('globsMayIntersect (property)', () => {
  it('never answers "no" for two globs that picomatch matches on one path', () => {
    fc.assert(
      fc.property(
        path.chain((shared) => fc.tuple(fc.constant(shared), globOf(shared), globOf(shared))),
        ([shared, left, right]) => {
          // picomatch is the oracle: both globs really match the shared path.
          fc.pre(matches(left, shared) && matches(right, shared));
          expect(globsMayIntersect(left, right), `${left} vs ${right} share ${shared}`).toBe(true);
          expect(globsMayIntersect(right, left)).toBe(true);
        },
      ),
      propertySettings(3000),
    );
  });

  it('agrees with picomatch on any path two unrelated globs both match', () => {
    fc.assert(
      fc.property(
        path.chain(globOf),
        path.chain(globOf),
        fc.array(path, { minLength: 1, maxLength: 20 }),
        (left, right, paths) => {
          const shared = paths.find((p) => matches(left, p) && matches(right, p));
          if (shared !== undefined)
            expect(globsMayIntersect(left, right), `${left} vs ${right} share ${shared}`).toBe(true);
        },
      ),
      propertySettings(2000),
    );
  });

  it('the bucketed pair search finds every pair the single check finds', () => {
    fc.assert(
      fc.property(fc.array(fc.array(path.chain(globOf), { maxLength: 3 }), { maxLength: 8 }), (entries) => {
        const found = new Set(intersectingPairs(entries).map(({ a, b }) => `${a},${b}`));
        entries.forEach((left, a) => {
          entries.forEach((right, b) => {
            if (b <= a) return;
            const expected = left.some((x) => right.some((y) => globsMayIntersect(x, y)));
            expect(found.has(`${a},${b}`), `entries ${a} and ${b}`).toBe(expected);
          });
        });
      }),
      propertySettings(1000),
    );
  });

  it('still tells disjoint globs apart (the properties above are not met by always answering "yes")', () => {
    expect(globsMayIntersect('src/**', 'docs/*.md')).toBe(false);
    expect(globsMayIntersect('src/*.ts', 'src/*.md')).toBe(false);
    expect(globsMayIntersect('a/b', 'a/c')).toBe(false);
  });
});
