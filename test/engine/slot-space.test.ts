import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkoutBytes, checkoutSizeCounts, checkSlotSpace } from '../../src/engine/slot-space.js';
import { git, gitRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

describe("a new slot's disk check", () => {
  it("lists a commit's checkout once: concurrent new slots share the one ls-tree, later ones reuse it, a new commit is listed", async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'x'.repeat(5000), 'src/b.txt': 'y'.repeat(100) } });
    const head = await git(repo, 'rev-parse', 'HEAD');
    const slots = join(tempDir(), '_slots');
    const before = { ...checkoutSizeCounts };
    // Five new slots at the run's head at once, as a run with --concurrency 5 makes them.
    await Promise.all(Array.from({ length: 5 }, () => checkSlotSpace(repo, slots, head, 0)));
    expect(checkoutSizeCounts.listed - before.listed).toBe(1);
    expect(checkoutSizeCounts.reused - before.reused).toBe(4);
    // README.md ("# test repo\n") + a.txt + src/b.txt.
    expect(await checkoutBytes(repo, head)).toBe(12 + 5000 + 100);
    expect(checkoutSizeCounts.listed - before.listed).toBe(1);

    writeFiles(repo, { 'c.txt': 'z'.repeat(10) });
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'more');
    const next = await git(repo, 'rev-parse', 'HEAD');
    expect(await checkoutBytes(repo, next)).toBe(12 + 5000 + 100 + 10);
    expect(checkoutSizeCounts.listed - before.listed).toBe(2);
  });

  it('keeps no failed listing: a commit the repository lacks is asked again (and refused again)', async () => {
    const repo = await gitRepo();
    const missing = 'f'.repeat(40);
    const before = checkoutSizeCounts.listed;
    await expect(checkoutBytes(repo, missing)).rejects.toThrow(/ls-tree/);
    await expect(checkoutBytes(repo, missing)).rejects.toThrow(/ls-tree/);
    expect(checkoutSizeCounts.listed - before).toBe(2);
  });
});
