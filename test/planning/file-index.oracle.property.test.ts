import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexFiles, matchGlob } from '../../src/planning/file-index.js';
import { propertySettings } from '../helpers/property.js';
import * as oracle from './file-index-oracle.js';

// File names near the shortcut's edges: dotfiles, `.`/`..`-like names, line breaks, spaces.
const name = fc.constantFrom(
  'a',
  'b',
  'src',
  'x.ts',
  '.env',
  '..x',
  '...',
  'a b',
  'line\nbreak',
  'a+b',
  '@t',
);
const file = fc.array(name, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const glob = fc.oneof(
  fc.array(name, { minLength: 0, maxLength: 3 }).map((parts) => [...parts, '**'].join('/')),
  fc
    .array(fc.oneof(name, fc.constantFrom('*', '**', '*.ts', '{a,b}')), { minLength: 1, maxLength: 3 })
    .map((p) => p.join('/')),
  fc.constantFrom('./src/**', 'src/', '.', '/a/**', 'a//b/**'),
);

describe('matchGlob against the implementation before the dir/** shortcut (oracle)', () => {
  it('matches exactly the same files', () => {
    fc.assert(
      fc.property(
        fc.array(file, { maxLength: 30 }),
        fc.array(glob, { minLength: 1, maxLength: 5 }),
        (files, globs) => {
          const now = indexFiles(files);
          const before = oracle.indexFiles(files);
          for (const g of globs) expect(matchGlob(now, g), g).toEqual(oracle.matchGlob(before, g));
        },
      ),
      propertySettings(3000),
    );
  });

  it('a folder glob matches every file under the folder, dotfiles too', () => {
    const index = indexFiles(['src/a/x.ts', 'src/a/.env', 'src/a/b/c.ts', 'src/ab/y.ts', 'src/a']);
    expect(matchGlob(index, 'src/a/**').map((i) => index.files[i])).toEqual([
      'src/a/.env',
      'src/a/b/c.ts',
      'src/a/x.ts',
    ]);
  });
});
