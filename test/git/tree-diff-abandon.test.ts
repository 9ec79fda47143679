import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type GitObject, treeObject } from '../../src/git/object-batch.js';
import { type BlobChange, diffTrees } from '../../src/git/tree-diff.js';

const oidOf = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');

// The switch diffs trees while its reader is open; once a reason is found (a path turned from
// file to folder) the folders still being read beside it are left to end on their own. When the
// caller then closes its reader, those reads fail: that must not be an unhandled rejection (it
// ends a Node process) nor start a new read (a new `git cat-file` in a repository being removed:
// CI saw "spawn git ENOENT" as an unhandled error after a test removed its repository).
describe('diffTrees after its answer', () => {
  it('leaves no read failing unhandled and starts none once a reason is found', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const [one, two] = [oidOf('one'), oidOf('two')];
      const folder = (blob: string) => treeObject([['x', { mode: '100644', oid: blob }]]);
      const [aFrom, aTo] = [folder(one), folder(two)];
      const bFolder = folder(one);
      const from = treeObject([
        ['a', { mode: '40000', oid: oidOf(aFrom) }],
        ['b', { mode: '100644', oid: one }],
      ]);
      const to = treeObject([
        ['a', { mode: '40000', oid: oidOf(aTo) }],
        ['b', { mode: '40000', oid: oidOf(bFolder) }],
      ]);
      const reads: string[] = [];
      let closed = false;
      const reader = {
        // Folder reads answer late, and fail once the caller closed the reader.
        read: async (oid: string): Promise<GitObject | null> => {
          reads.push(oid);
          if (closed) throw new Error('read after close');
          await sleep(30);
          throw new Error('the reader was closed');
        },
      };
      const changes: BlobChange[] = [];
      const reason = await diffTrees(
        reader,
        { oid: oidOf(from), data: from },
        { oid: oidOf(to), data: to },
        20,
        changes,
        100,
      );
      expect(reason).toBe('file and folder');
      closed = true;
      const started = reads.length;
      await sleep(100);
      expect(unhandled).toEqual([]);
      expect(reads.length).toBe(started);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
