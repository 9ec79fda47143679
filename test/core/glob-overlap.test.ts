import { describe, expect, it } from 'vitest';
import { globsMayIntersect, intersectingPairs } from '../../src/core/glob-overlap.js';
import { cpuMsSince } from '../helpers/cpu-time.js';

// [a, b, may intersect, why]
const CASES: Array<[string, string, boolean, string]> = [
  ['src/a.ts', 'src/a.ts', true, 'same literal path'],
  ['src/a.ts', 'src/b.ts', false, 'different literal paths'],
  ['src/a.ts', 'src/A.ts', false, 'paths are case-sensitive'],
  ['./src/a.ts', 'src/a.ts', true, 'leading ./ dropped'],
  ['/src/a.ts', 'src//a.ts', true, 'leading / and double slashes dropped'],
  ['src/a.ts', 'src/*.ts', true, 'literal matched by glob'],
  ['src/a.js', 'src/*.ts', false, 'literal not matched by glob'],
  ['src/deep/a.ts', 'src/*.ts', false, '* stays inside one segment'],
  ['src/deep/a.ts', 'src/**/*.ts', true, '** spans folders'],
  ['src/a.ts', 'src/**/*.ts', true, '** matches zero folders'],
  ['src/.env', 'src/*', true, 'dotfiles count'],
  ['src', 'src/**', true, 'folder and everything under it'],
  ['src/', 'src/auth/login.ts', true, 'trailing slash means the folder'],
  ['.', 'anything/at/all.md', true, '. is the whole repository'],
  ['**', 'README.md', true, '** matches everything'],
  ['src/auth/**', 'src/auth/**', true, 'same glob'],
  ['src/auth/**', 'src/billing/**', false, 'different folders'],
  ['src/auth/**', 'src/**', true, 'nested folders'],
  ['src/**', '**/*.test.ts', true, 'both open-ended'],
  ['docs/**', 'src/**/*.ts', false, 'different first folder'],
  ['**/*.ts', '**/*.js', false, 'different extensions under **'],
  ['*.ts', '*.js', false, 'different extensions'],
  ['*.ts', 'auth*', true, 'prefix and suffix compatible'],
  ['*.test.ts', '*.ts', true, 'one suffix ends the other'],
  ['auth-*.ts', 'login-*', false, 'different fixed prefixes'],
  ['src/a?.ts', 'src/ab.ts', true, '? is one character'],
  ['src/a?.ts', 'src/abc.ts', false, '? is exactly one character'],
  ['src/[ab].ts', 'src/c.ts', false, 'character class'],
  ['src/{auth,billing}/**', 'src/billing/x.ts', true, 'brace alternative'],
  ['src/{auth,billing}/**', 'src/admin/x.ts', false, 'no brace alternative matches'],
  ['{src,test}/auth/**', 'test/auth/a.ts', true, 'brace in the first segment'],
  ['src/{a/b,c}/x.ts', 'src/a/b/x.ts', true, 'brace holding a slash'],
  ['src/*/index.ts', 'src/*/index.js', false, 'last segment decides'],
  ['src/*/index.ts', 'src/**/index.ts', true, '* segment inside **'],
  ['node_modules/@types/*', 'node_modules/@types/node', true, '@ is literal unless before ('],
  ['src/@(a|b).ts', 'src/a.ts', true, 'extglob matched by picomatch'],
  ['src/@(a|b).ts', 'src/c.ts', false, 'extglob not matching'],
  ['!src/a.ts', 'src/b.ts', true, 'negation: conservative'],
  ['', 'src/a.ts', false, 'an empty glob names nothing'],
];

describe('globsMayIntersect', () => {
  it.each(CASES)('%s vs %s -> %s (%s)', (a, b, expected) => {
    expect(globsMayIntersect(a, b)).toBe(expected);
    expect(globsMayIntersect(b, a)).toBe(expected);
  });
});

describe('intersectingPairs', () => {
  it('finds the intersecting pairs and the globs that meet, in index order', () => {
    const pairs = intersectingPairs([
      ['src/auth/**'],
      ['src/billing/**', 'docs/billing.md'],
      ['**/*.md'],
      ['src/auth/login.ts'],
      [],
    ]);
    expect(pairs).toEqual([
      { a: 0, b: 2, files: [['src/auth/**', '**/*.md']] },
      { a: 0, b: 3, files: [['src/auth/**', 'src/auth/login.ts']] },
      {
        a: 1,
        b: 2,
        files: [
          ['src/billing/**', '**/*.md'],
          ['docs/billing.md', '**/*.md'],
        ],
      },
    ]);
  });

  it('reports a pair once even when several glob pairs meet or braces expand', () => {
    const pairs = intersectingPairs([['src/{a,b}/**', 'src/a/x.ts'], ['src/a/**']]);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]!.files).toEqual([
      ['src/{a,b}/**', 'src/a/**'],
      ['src/a/x.ts', 'src/a/**'],
    ]);
  });

  it('stays fast for 10,000 entries in 100 folders', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => [`src/mod-${i % 100}/file-${i}.ts`]);
    entries.push(['src/mod-7/**']);
    const started = process.cpuUsage();
    const pairs = intersectingPairs(entries);
    // CPU time, which a busy machine does not stretch: it catches quadratic blow-ups; `npm run bench` measures.
    expect(cpuMsSince(started)).toBeLessThan(10_000);
    expect(pairs).toHaveLength(100);
    expect(pairs.every((pair) => pair.b === 10_000)).toBe(true);
  });
});
