import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultFailureKind } from '../../src/distributed/job-schema.js';
import { workerSlotRefusal } from '../../src/distributed/slot-refusal.js';
import { checkSlotSpace } from '../../src/engine/slot-space.js';
import { ExitError } from '../../src/errors.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';

describe("a worker's slot refusal", () => {
  it('words the real disk-space check for the worker: figures, the config keys of its clone, a restart', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'x'.repeat(5000) } });
    const head = await git(repo, 'rev-parse', 'HEAD');
    const slots = join(tempDir(), '_slots');
    // 1 PB kept free: refused on any disk, without filling one.
    const error = await checkSlotSpace(repo, slots, head, 1024 ** 5).then(
      () => null,
      (e: unknown) => e,
    );
    const refusal = workerSlotRefusal(error, '/srv/clone');
    expect(refusal?.kind).toBe('disk_space');
    expect(refusal?.reason).toMatch(
      new RegExp(
        `^not enough disk space for a new worktree slot in ${slots}: it needs [\\d.]+ MB \\(checkout 5 KB \\+ limits\\.minFreeMb 1073741824 MB\\), [\\d.]+ [KM]B is free; free space there, or set limits\\.minFreeMb or worktrees\\.dir in /srv/clone/\\.milestones/config\\.yaml and restart the worker$`,
      ),
    );
  });

  it('names a missing git-lfs as lfs_missing, and leaves any other error to fail the job', () => {
    const lfs = workerSlotRefusal(new ExitError('MILESTONE_LFS_MISSING', 'uses LFS'), '/srv/clone');
    expect(lfs).toEqual({
      kind: 'lfs_missing',
      reason:
        '/srv/clone uses Git LFS (filter.lfs in its git config) but git-lfs is not installed on this worker: install it, then restart the worker',
    });
    expect(workerSlotRefusal(new Error('worktree add failed'), '/srv/clone')).toBeNull();
  });

  it("passes a worker result's known failure kind to the coordinator, and drops one it does not know", () => {
    expect(resultFailureKind({ failureKind: 'disk_space' })).toBe('disk_space');
    expect(resultFailureKind({ failureKind: 'usage_limit' })).toBe('usage_limit');
    expect(resultFailureKind({ failureKind: 'from_a_newer_worker' })).toBeUndefined();
    expect(resultFailureKind({})).toBeUndefined();
  });
});
