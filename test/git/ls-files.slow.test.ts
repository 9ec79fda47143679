import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lsFiles } from '../../src/git/git.js';
import { cpuMsSince } from '../helpers/cpu-time.js';
import { git, gitRepo } from '../helpers/git-repo.js';

describe('lsFiles on a large tree', () => {
  it('lists 20,000 files quickly', async () => {
    const repo = await gitRepo();
    for (let d = 0; d < 200; d++) {
      mkdirSync(join(repo, `dir-${d}`));
      for (let f = 0; f < 100; f++) writeFileSync(join(repo, `dir-${d}`, `file ${f}.ts`), '');
    }
    await git(repo, 'add', '-A');
    const started = process.cpuUsage();
    const files = await lsFiles(repo);
    const ms = cpuMsSince(started);
    expect(files).toHaveLength(20_001);
    expect(files).toContain('dir-199/file 99.ts');
    // This process's CPU time (parsing git's output), which a busy machine does not stretch.
    expect(ms).toBeLessThan(5000);
  });
});
