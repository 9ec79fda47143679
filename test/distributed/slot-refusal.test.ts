import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultFailureKind } from '../../src/distributed/job-schema.js';
import { workerSlotFailure, workerSlotRefusal } from '../../src/distributed/slot-refusal.js';
import { remoteInterruptNote, remoteWorkNote } from '../../src/engine/failure-text.js';
import { LfsMissingError } from '../../src/engine/slot-lfs.js';
import { checkSlotSpace } from '../../src/engine/slot-space.js';
import { ExitError } from '../../src/errors.js';
import { gitExec } from '../../src/git/git.js';
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
    const lfs = workerSlotRefusal(
      new LfsMissingError('filter=lfs in assets/.gitattributes at 0123456789ab', 'uses LFS'),
      '/srv/clone',
    );
    expect(lfs).toEqual({
      kind: 'lfs_missing',
      reason:
        '/srv/clone uses Git LFS (filter=lfs in assets/.gitattributes at 0123456789ab) but git-lfs is not installed on this worker: install it (the worker sees it at its next new slot, no restart needed)',
    });
    expect(workerSlotRefusal(new Error('worktree add failed'), '/srv/clone')).toBeNull();
  });

  it("passes a worker result's known failure kind to the coordinator, and drops one it does not know", () => {
    expect(resultFailureKind({ failureKind: 'disk_space' })).toBe('disk_space');
    expect(resultFailureKind({ failureKind: 'usage_limit' })).toBe('usage_limit');
    expect(resultFailureKind({ failureKind: 'from_a_newer_worker' })).toBeUndefined();
    expect(resultFailureKind({})).toBeUndefined();
  });

  it("words any other slot error as kind setup with git's command, exit code and stderr, on one line", async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a' } });
    // A real git failure: a worktree where a file is in the way.
    const blocked = join(tempDir(), 'file');
    writeFileSync(blocked, 'in the way');
    const error = await gitExec(repo, ['worktree', 'add', '--detach', join(blocked, 'slot'), 'HEAD']).then(
      () => null,
      (e: unknown) => e,
    );
    const failure = workerSlotFailure(error, '/srv/clone');
    expect(failure.kind).toBe('setup');
    expect(failure.reason).toMatch(
      /^no worktree for the attempt: git worktree add --detach \S+\/file\/slot HEAD failed \(exit 128\) in \S+: (Preparing worktree .* \| )?fatal: could not create leading directories of '\S+\/file\/slot\/\.git': Not a directory$/,
    );
    expect(failure.reason).not.toContain('\n');
    // A refusal keeps its own kind and words; an error without git's stderr keeps its message.
    expect(workerSlotFailure(new ExitError('MILESTONE_LFS_MISSING', 'uses LFS'), '/srv/clone').kind).toBe(
      'lfs_missing',
    );
    const plain = Object.assign(new Error('spawn failed'), { stderr: 'fatal: not a git repository' });
    expect(workerSlotFailure(plain, '/srv/clone').reason).toBe(
      'no worktree for the attempt: spawn failed: fatal: not a git repository',
    );
    expect(workerSlotFailure('x'.repeat(9000), '/srv/clone').reason.length).toBeLessThanOrEqual(4030);
  });

  it("ends a remote attempt's failure line with where its work is, or that the worker kept none, never the local branch", () => {
    expect(remoteWorkNote({ worker: 'w1-42', workAt: null })).toBe(
      '; no work kept: it ran on worker w1-42, which keeps none of a failed attempt',
    );
    expect(remoteWorkNote({ worker: 'w1-42', workAt: 'milestone/m.tasks/t.a1-abc on origin' })).toBe(
      '; work kept on milestone/m.tasks/t.a1-abc on origin',
    );
    expect(remoteWorkNote({ worker: null, workAt: null })).toBe('');
  });

  it("ends an interrupted remote attempt's line with what the next execute does with its job", () => {
    const job = 'm.t.abc.a1';
    expect(remoteInterruptNote({ worker: 'w1-42', workAt: null, left: { job, running: true } })).toBe(
      '; its job m.t.abc.a1 goes on running on worker w1-42: the next execute takes it over',
    );
    expect(remoteInterruptNote({ worker: null, workAt: null, left: { job, running: true } })).toBe(
      '; its job m.t.abc.a1 goes on running on its worker: the next execute takes it over',
    );
    expect(remoteInterruptNote({ worker: null, workAt: null, left: { job, running: false } })).toBe(
      '; its job m.t.abc.a1 left the queue before a worker took it: the next execute queues it again',
    );
    // Not interrupted in the queue (a halt, a push that failed before the job was added): nothing.
    expect(remoteInterruptNote({ worker: 'w1-42', workAt: null })).toBe('');
  });
});
