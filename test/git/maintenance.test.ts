import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoMaintenance } from '../../src/git/maintenance.js';
import { git, gitRepo } from '../helpers/git-repo.js';

/** What a detached `git gc --auto` leaves when it walked a slot's HEAD that an add had at zeros. */
const SLOT_RACE =
  'error: refs/worktrees/_slot-2/HEAD does not point to a valid object!\nfatal: bad object worktrees/_slot-2/HEAD\nfatal: failed to run repack\n';

/** Three packs (each of a new commit): more than `gc.autoPackLimit=2`, so an automatic gc has work. */
async function packs(repo: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(repo, 'b.txt'), `b ${i}\n`);
    await git(repo, 'add', 'b.txt');
    await git(repo, 'commit', '-q', '-m', `b ${i}`);
    await git(repo, 'repack', '-d', '-q');
  }
}

async function packCount(repo: string): Promise<number> {
  const counts = await git(repo, 'count-objects', '-v');
  return Number(/^packs: (\d+)$/m.exec(counts)![1]);
}

describe("the run's automatic maintenance and a gc.log our slots caused", () => {
  it('removes the gc.log of a gc that met a slot being added, so the gc runs instead of being held off for a day', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a' } });
    await git(repo, 'config', 'gc.autoPackLimit', '2');
    await packs(repo);
    const log = join(repo, '.git', 'gc.log');
    writeFileSync(log, SLOT_RACE);
    // As git does with the log there: the automatic gc is skipped, the packs stay.
    await git(repo, 'gc', '--auto').catch(() => undefined);
    expect(await packCount(repo)).toBe(3);
    expect(existsSync(log)).toBe(true);

    await autoMaintenance(repo, { detach: false });
    expect(existsSync(log)).toBe(false);
    expect(await packCount(repo)).toBe(1);
  });

  it("keeps a gc.log that reports anything else: that failure is the person's to see", async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a' } });
    const log = join(repo, '.git', 'gc.log');
    const other = "warning: There are too many unreachable loose objects; run 'git prune' to remove them.\n";
    writeFileSync(log, other);
    await autoMaintenance(repo, { detach: false });
    expect(readFileSync(log, 'utf8')).toBe(other);
  });
});
