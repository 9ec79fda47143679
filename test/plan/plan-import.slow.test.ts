import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/git-repo.js';
import { planImportDigest } from './plan-import-digest.js';

describe('plan --from of the 2,000-task bench plan', () => {
  it('prints and stores exactly what the build before the speed work did', async () => {
    // The fixture: the digest of commit 2519e5d's build (see plan-import-digest.ts).
    const expected = JSON.parse(readFileSync(join(import.meta.dirname, 'plan-import-2k.json'), 'utf8'));
    // The planning analyses in the main thread, and on the worker thread beside it.
    expect(await planImportDigest(CLI, { MILESTONE_PLAN_THREAD: 'off' })).toEqual(expected);
    expect(await planImportDigest(CLI, { MILESTONE_PLAN_THREAD: 'on' })).toEqual(expected);
  });
});
