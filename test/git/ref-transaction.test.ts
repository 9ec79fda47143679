import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RefTransactions } from '../../src/git/ref-transaction.js';
import { gitA } from '../helpers/async-cli.js';
import { gitRepo, writeFiles } from '../helpers/git-repo.js';

/** A repository with branch `m` at its first commit, and a second commit `next` on top of it. */
async function repoWithTwoCommits() {
  const root = await gitRepo({ files: { 'a.txt': '1' } });
  const first = await gitA(root, 'rev-parse', 'HEAD');
  await gitA(root, 'branch', 'm', first);
  writeFiles(root, { 'a.txt': '2' });
  await gitA(root, 'commit', '-qam', 'two');
  const next = await gitA(root, 'rev-parse', 'HEAD');
  return { root, first, next };
}

describe('RefTransactions (one git update-ref --stdin per run)', () => {
  it('moves refs by compare-and-swap, several transactions through one process', async () => {
    const { root, first, next } = await repoWithTwoCommits();
    const refs = new RefTransactions(root, 'test: move');
    try {
      expect(await refs.apply([{ ref: 'refs/heads/m', to: next, from: first }])).toBe(true);
      expect(await refs.apply([{ ref: 'refs/heads/m', to: first, from: next }])).toBe(true);
      expect(await refs.apply([{ ref: 'refs/heads/new', to: next, from: null }])).toBe(true);
      expect(refs.started).toBe(1);
    } finally {
      await refs.close();
    }
    expect(await gitA(root, 'rev-parse', 'm')).toBe(first);
    expect(await gitA(root, 'rev-parse', 'new')).toBe(next);
    expect(await gitA(root, 'reflog', '-1', '--format=%gs', 'm')).toBe('test: move');
  });

  it('refuses a move that lost a race (another writer moved the ref) and the next one still works', async () => {
    const { root, first, next } = await repoWithTwoCommits();
    const refs = new RefTransactions(root);
    try {
      expect(await refs.apply([{ ref: 'refs/heads/m', to: next, from: first }])).toBe(true);
      // Another writer moves m back behind our back: our view (m at next) is stale.
      await gitA(root, 'update-ref', 'refs/heads/m', first);
      expect(await refs.apply([{ ref: 'refs/heads/m', to: first, from: next }])).toBe(false);
      expect(await gitA(root, 'rev-parse', 'm')).toBe(first);
      // Retried from what the ref holds now, it lands (in a new process: git exits on a refusal).
      expect(await refs.apply([{ ref: 'refs/heads/m', to: next, from: first }])).toBe(true);
      expect(refs.started).toBe(2);
    } finally {
      await refs.close();
    }
    expect(await gitA(root, 'rev-parse', 'm')).toBe(next);
    expect(existsSync(join(root, '.git', 'refs', 'heads', 'm.lock'))).toBe(false);
  });

  it('moves all refs of a transaction or none', async () => {
    const { root, first, next } = await repoWithTwoCommits();
    await gitA(root, 'branch', 'n', first);
    const refs = new RefTransactions(root);
    try {
      // n is not at `next`: the whole transaction is refused, m does not move either.
      const moved = await refs.apply([
        { ref: 'refs/heads/m', to: next, from: first },
        { ref: 'refs/heads/n', to: first, from: next },
      ]);
      expect(moved).toBe(false);
    } finally {
      await refs.close();
    }
    expect(await gitA(root, 'rev-parse', 'm')).toBe(first);
    expect(await gitA(root, 'rev-parse', 'n')).toBe(first);
  });

  it('aborts a prepared transaction when the process ends before commit: the ref stays, unlocked', async () => {
    const { root, first, next } = await repoWithTwoCommits();
    const refs = new RefTransactions(root);
    let locked = false;
    const result = refs.apply([{ ref: 'refs/heads/m', to: next, from: first }], async () => {
      // Prepared: git holds the ref's lock. Its stdin closes now, as when the coordinator dies.
      locked = existsSync(join(root, '.git', 'refs', 'heads', 'm.lock'));
      await refs.close();
    });
    await expect(result).rejects.toThrow(/update-ref/);
    expect(locked).toBe(true);
    expect(await gitA(root, 'rev-parse', 'm')).toBe(first);
    expect(existsSync(join(root, '.git', 'refs', 'heads', 'm.lock'))).toBe(false);
  });

  it('rejects a malformed ref or value before git runs', async () => {
    const { root, first } = await repoWithTwoCommits();
    const refs = new RefTransactions(root);
    expect(() => refs.apply([{ ref: 'refs/heads/../x', to: first, from: null }])).toThrow(/invalid ref/);
    expect(() => refs.apply([{ ref: 'refs/heads/m', to: '--upload-pack=x', from: null }])).toThrow();
    expect(refs.started).toBe(0);
  });
});
