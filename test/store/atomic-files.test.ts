import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFilesAtomic } from '../../src/store/atomic-files.js';
import { tempDir } from '../helpers/git-repo.js';

describe('writeFilesAtomic', () => {
  it('creates and replaces files in two folders, leaving no temporary file behind', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'planning'));
    writeFileSync(join(dir, 'plan.json'), 'old');
    await writeFilesAtomic([
      { path: join(dir, 'plan.json'), content: '{"v":2}\n' },
      { path: join(dir, 'planning', 'scope.json'), content: 'ü\n' },
      { path: join(dir, 'planning', 'unified.json'), content: '' },
    ]);
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).toBe('{"v":2}\n');
    expect(readFileSync(join(dir, 'planning', 'scope.json'), 'utf8')).toBe('ü\n');
    expect(readFileSync(join(dir, 'planning', 'unified.json'), 'utf8')).toBe('');
    expect(readdirSync(dir).sort()).toEqual(['plan.json', 'planning']);
    expect(readdirSync(join(dir, 'planning')).sort()).toEqual(['scope.json', 'unified.json']);
  });

  it('replaces nothing when a file cannot be written, and removes the temporary files', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plan.json'), 'old');
    await expect(
      writeFilesAtomic([
        { path: join(dir, 'plan.json'), content: 'new' },
        { path: join(dir, 'missing', 'unified.json'), content: 'x' },
      ]),
    ).rejects.toThrow(/ENOENT/);
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['plan.json']);
  });

  it('renames in order: a file that cannot be replaced stops the ones after it', async () => {
    const dir = tempDir();
    // A non-empty folder where the second file goes: its rename fails.
    mkdirSync(join(dir, 'risks.json', 'inside'), { recursive: true });
    await expect(
      writeFilesAtomic([
        { path: join(dir, 'scope.json'), content: 'scope' },
        { path: join(dir, 'risks.json'), content: 'risks' },
        { path: join(dir, 'unified.json'), content: 'unified' },
      ]),
    ).rejects.toThrow();
    expect(readFileSync(join(dir, 'scope.json'), 'utf8')).toBe('scope');
    expect(readdirSync(dir).sort()).toEqual(['risks.json', 'scope.json']);
  });
});
