import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globsMayIntersect, intersectingPairs } from '../../src/core/glob-overlap.js';
import { propertySettings } from '../helpers/property.js';
import * as oracle from './glob-overlap-oracle.js';

// Segments near every edge of the `dir/**` shortcut: plain names, dotfiles, `.` and `..`,
// characters picomatch treats specially, wildcards, classes, braces, extglobs.
const segment = fc.constantFrom(
  'a',
  'b',
  'ab',
  'src',
  'x.ts',
  '.env',
  '.',
  '..',
  '...',
  'a-b_c',
  'a+b',
  '@types',
  '$x',
  'a b',
  '!a',
  '*',
  '**',
  '?b',
  '*.ts',
  '[ab]',
  '{a,b}',
  '{a,src}/x.ts',
  '@(a|b)',
  'a\\*',
);
const glob = fc
  .tuple(
    fc.constantFrom('', '', '', './', '/', '!'),
    fc.array(segment, { minLength: 1, maxLength: 4 }),
    fc.constantFrom('', '', '', '/', '/**', '/**/*.ts'),
  )
  .map(([lead, parts, tail]) => `${lead}${parts.join('/')}${tail}`);

// Globs of a plan as bench/generate-plan.ts writes them: folders, files under them, tests.
const planGlob = fc
  .tuple(fc.constantFrom('src', 'test', 'docs'), fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 4 }))
  .map(([top, area, module, kind]) =>
    kind === 0
      ? `${top}/area-${area}/mod-${module}/**`
      : kind === 1
        ? `${top}/area-${area}/mod-${module}/file-${module}.ts`
        : kind === 2
          ? `${top}/area-${area}/*.test.ts`
          : kind === 3
            ? `${top}/area-${area}`
            : `${top}/area-${area}/mod-${module}/`,
  );
const anyGlob = fc.oneof(glob, planGlob);

describe('glob overlap against the implementation before the dir/** shortcut (oracle)', () => {
  it('globsMayIntersect answers exactly as before', () => {
    fc.assert(
      fc.property(anyGlob, anyGlob, (left, right) => {
        expect(globsMayIntersect(left, right), `${left} vs ${right}`).toBe(
          oracle.globsMayIntersect(left, right),
        );
      }),
      propertySettings(5000),
    );
  });

  it('answers as before for a folder glob and a path under, beside or above it', () => {
    // The shortcut's edge: `dir/**` against literal paths that share its first segments.
    const parts = fc.array(segment, { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(parts, parts, fc.nat({ max: 3 }), fc.constantFrom('/**', '/'), (dir, rest, cut, tail) => {
        const folder = `${dir.join('/')}${tail}`;
        const path = [...dir.slice(0, cut), ...rest].join('/');
        expect(globsMayIntersect(folder, path), `${folder} vs ${path}`).toBe(
          oracle.globsMayIntersect(folder, path),
        );
        expect(globsMayIntersect(path, folder)).toBe(oracle.globsMayIntersect(path, folder));
      }),
      propertySettings(5000),
    );
  });

  it('intersectingPairs lists exactly the same pairs and globs as before, filtered or not', () => {
    const entries = fc.array(fc.array(anyGlob, { maxLength: 3 }), { maxLength: 12 });
    fc.assert(
      fc.property(entries, (list) => {
        expect(intersectingPairs(list)).toEqual(oracle.intersectingPairs(list));
        const odd = (a: Int32Array, b: Int32Array) => Array.from(a, (x, k) => (x + b[k]!) % 2 === 1);
        expect(intersectingPairs(list, odd)).toEqual(oracle.intersectingPairs(list, odd));
      }),
      propertySettings(1000),
    );
  });

  it('takes the shortcut and still tells folders apart', () => {
    expect(globsMayIntersect('src/a/**', 'src/a')).toBe(true);
    expect(globsMayIntersect('src/a/**', 'src/a/b/c.ts')).toBe(true);
    expect(globsMayIntersect('src/a/**', 'src/ab/c.ts')).toBe(false);
    expect(globsMayIntersect('src/a/**', 'src/a/../b')).toBe(false);
  });
});
