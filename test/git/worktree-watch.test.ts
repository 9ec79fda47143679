import {
  chmodSync,
  lstatSync,
  mkdirSync,
  renameSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WorktreePool } from '../../src/engine/worktree-pool.js';
import { closeRepositoryWriters } from '../../src/git/repository-writers.js';
import { captureCounts, stageInProcess } from '../../src/git/worktree-capture.js';
import { unwatchWorktree, watchWorktree, worktreeWatch } from '../../src/git/worktree-watch.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';
import { propertySettings } from '../helpers/property.js';
import { applyRandomEdit, randomEditArb } from './fixtures/random-edits.js';
import type { Edit, TwinWorktrees } from './fixtures/twin-worktrees.js';
import { applyToBoth, expectSameIndex, twinWorktrees } from './fixtures/twin-worktrees.js';

const watched: string[] = [];
afterEach(async () => {
  for (const path of watched.splice(0)) unwatchWorktree(path);
  delete process.env.MILESTONE_WATCH_EVENT_LIMIT;
  delete process.env.MILESTONE_TASK_CAPTURE;
  await closeRepositoryWriters();
});

/** Twin worktrees, every file tracked (those a .gitignore names too); ours watched, as a slot is. */
async function twins(files: Record<string, string>) {
  const tw = await twinWorktrees(files, { trackIgnored: true });
  watchWorktree(tw.ours);
  watched.push(tw.ours);
  return tw;
}

const write =
  (path: string, text: string): Edit =>
  (dir) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
const remove =
  (path: string): Edit =>
  (dir) =>
    rmSync(join(dir, path), { recursive: true, force: true });

/** How the last capture went: 'watched' (the watch's names only) or 'full'. */
type Way = 'watched' | 'full';

/**
 * Applies `edits` to both twins, stages with git in one and in process (watched) in the other,
 * and compares the indexes; returns how the capture went and what it staged.
 */
async function capture(tw: TwinWorktrees, edits: Edit[]) {
  applyToBoth(tw, edits);
  const scans = { ...captureCounts.scans };
  // No wait between the edits and the capture: the capture itself lets the events in.
  const staged = await stageInProcess(tw.ours, []);
  expect(staged, JSON.stringify(captureCounts.why)).not.toBeNull();
  await git(tw.theirs, 'add', '-A');
  await expectSameIndex(tw);
  const way: Way = captureCounts.scans.watched > scans.watched ? 'watched' : 'full';
  return { way, staged: [...staged!].sort(), looked: captureCounts.lastLooked };
}

/** A repository of 120 files in 12 folders, with a `.gitignore`. */
function manyFiles(): Record<string, string> {
  const files: Record<string, string> = { '.gitignore': '*.log\nbuild/\n', 'top.txt': 'top\n' };
  for (let d = 0; d < 12; d++) for (let f = 0; f < 10; f++) files[`d${d}/sub/f${f}.txt`] = `file ${d}/${f}\n`;
  files['d0/hidden.log'] = 'tracked although ignored\n';
  return files;
}

describe('a watched slot worktree (capture looks at what changed)', () => {
  it('scans the first capture whole, then looks only at the changed paths, and stages what git add -A does after each change', async () => {
    const tw = await twins(manyFiles());
    expect((await capture(tw, [])).way).toBe('full');
    expect(worktreeWatch(tw.ours)!.watchedFolders).toBe(25); // the root, d0..d11, d0/sub..d11/sub

    // A change of the same size in the same second, its modification time put back: racy.
    const same = join(tw.ours, 'd1/sub/f1.txt');
    const before = lstatSync(same);
    let result = await capture(tw, [
      (dir) => {
        writeFileSync(join(dir, 'd1/sub/f1.txt'), 'FILE 1/1\n');
        utimesSync(join(dir, 'd1/sub/f1.txt'), before.atime, before.mtime);
      },
    ]);
    expect(result).toMatchObject({ way: 'watched', staged: ['d1/sub/f1.txt'] });
    // Only the changed file was lstat'ed, not the 122 entries.
    expect(result.looked).toBe(1);

    result = await capture(tw, [(dir) => truncateSync(join(dir, 'd2/sub/f2.txt'), 3)]);
    expect(result).toMatchObject({ way: 'watched', staged: ['d2/sub/f2.txt'], looked: 1 });

    result = await capture(tw, [(dir) => chmodSync(join(dir, 'd3/sub/f3.txt'), 0o755)]);
    expect(result).toMatchObject({ way: 'watched', staged: ['d3/sub/f3.txt'], looked: 1 });

    result = await capture(tw, [remove('d4/sub/f4.txt')]);
    expect(result).toMatchObject({ way: 'watched', staged: [] });
    expect(await git(tw.ours, 'ls-files', 'd4/sub/f4.txt')).toBe('');

    // A tracked folder deleted, another renamed: every entry below them, nothing else.
    result = await capture(tw, [remove('d5'), (dir) => renameSync(join(dir, 'd6'), join(dir, 'd6-moved'))]);
    expect(result.way).toBe('watched');
    expect(result.staged).toEqual(Array.from({ length: 10 }, (_, f) => `d6-moved/sub/f${f}.txt`).sort());
    expect(result.looked).toBeLessThan(50);

    // The renamed folder is watched again: a change inside it is seen.
    result = await capture(tw, [write('d6-moved/sub/f0.txt', 'changed after the move\n')]);
    expect(result).toMatchObject({ way: 'watched', staged: ['d6-moved/sub/f0.txt'] });

    result = await capture(tw, [
      write('new/a/b/one.txt', '1\n'),
      write('new/a/two.txt', '2\n'),
      write('new/a/b/skip.log', 'ignored\n'),
      (dir) => mkdirSync(join(dir, 'new/empty/deeper'), { recursive: true }),
    ]);
    expect(result).toMatchObject({ way: 'watched', staged: ['new/a/b/one.txt', 'new/a/two.txt'] });

    // An untracked folder kept empty, then written into: watched since the capture walked it.
    result = await capture(tw, [write('new/empty/deeper/late.txt', 'late\n')]);
    expect(result).toMatchObject({ way: 'watched', staged: ['new/empty/deeper/late.txt'] });

    result = await capture(tw, [write('d7/sub/debug.log', 'ignored\n'), write('build/x.js', 'ignored\n')]);
    expect(result).toMatchObject({ way: 'watched', staged: [] });
    // A file in an ignored folder, and a tracked file in a folder whose ignored files stay out.
    result = await capture(tw, [write('build/y.js', 'ignored\n'), write('d0/hidden.log', 'changed\n')]);
    expect(result).toMatchObject({ way: 'watched', staged: ['d0/hidden.log'] });
  });

  it('scans whole when a .gitignore or info/exclude changes, and un-ignored files are added', async () => {
    const tw = await twins(manyFiles());
    await capture(tw, [write('d8/sub/was-ignored.log', 'ignored at first\n'), write('build/out.js', 'x\n')]);
    const full = { ...captureCounts.scans.why };
    let result = await capture(tw, [write('.gitignore', 'build/\n')]);
    expect(result).toMatchObject({ way: 'full', staged: ['.gitignore', 'd8/sub/was-ignored.log'] });
    expect(captureCounts.scans.why['.gitignore']).toBe((full['.gitignore'] ?? 0) + 1);
    // A nested .gitignore too.
    result = await capture(tw, [write('d9/.gitignore', 'f1.txt\n'), write('d9/sub/new.txt', 'n\n')]);
    expect(result).toMatchObject({ way: 'full', staged: ['d9/.gitignore', 'd9/sub/new.txt'] });

    result = await capture(tw, [write('d10/sub/secret.env', 'excluded soon\n')]);
    expect(result).toMatchObject({ way: 'watched', staged: ['d10/sub/secret.env'] });
    // info/exclude is the repository's (both twins share it): it excludes only files not yet added.
    writeFileSync(join(tw.root, '.git/info/exclude'), '*.env\n');
    result = await capture(tw, [write('d11/sub/other.env', 'excluded\n'), write('d11/sub/kept.txt', 'k\n')]);
    expect(result).toMatchObject({ way: 'full', staged: ['d11/sub/kept.txt'] });
    expect(captureCounts.scans.why.excludes).toBeGreaterThan(0);
    writeFileSync(join(tw.root, '.git/info/exclude'), '');
    result = await capture(tw, []);
    expect(result).toMatchObject({ way: 'full', staged: ['d11/sub/other.env'] });
    expect((await capture(tw, [])).way).toBe('watched');
  });

  it('sees entries the index changed without a file changing (a reset), and files changed before the capture’s first event turn', async () => {
    const tw = await twins(manyFiles());
    await capture(tw, [write('d1/sub/f1.txt', 'one\n'), write('added.txt', 'a\n')]);
    // Unstaged again by git: no file event, only the index differs.
    await git(tw.ours, 'reset', '-q');
    await git(tw.theirs, 'reset', '-q');
    const result = await capture(tw, []);
    expect(result).toMatchObject({ way: 'watched', staged: ['added.txt', 'd1/sub/f1.txt'] });
  });

  it('follows a switch of the slot to another commit (new folders watched from the index), then a task’s changes in them', async () => {
    const tw = await twins(manyFiles());
    await capture(tw, []);
    // Another task's work lands: new folders and a changed file, checked out into both twins.
    const other = `${tw.root}-other`;
    await git(tw.root, 'worktree', 'add', '-q', '--detach', other);
    mkdirSync(join(other, 'landed/deep'), { recursive: true });
    writeFileSync(join(other, 'landed/deep/x.txt'), 'x\n');
    writeFileSync(join(other, 'd1/sub/f1.txt'), 'landed change\n');
    await git(other, 'add', '-A');
    await git(other, 'commit', '-q', '-m', 'landed');
    const landed = await git(other, 'rev-parse', 'HEAD');
    for (const dir of [tw.ours, tw.theirs]) await git(dir, 'checkout', '-q', '--force', '--detach', landed);
    let result = await capture(tw, []);
    expect(result).toMatchObject({ way: 'watched', staged: [] });
    result = await capture(tw, [
      write('landed/deep/x.txt', 'changed by the next task\n'),
      write('landed/deep/y.txt', 'y\n'),
    ]);
    expect(result).toMatchObject({ way: 'watched', staged: ['landed/deep/x.txt', 'landed/deep/y.txt'] });
    expect(worktreeWatch(tw.ours)!.watchedFolders).toBe(27);
  });

  it('is registered by the slot pool when a slot is handed out, and let go when the run closes the pool', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a\n' } });
    const pool = new WorktreePool(repo, tempDir(), { setup: null, copy: [], link: [], key: null, keep: 0 });
    const options = {
      logFile: join(tempDir(), 'log'),
      signal: new AbortController().signal,
      timeoutMs: 60_000,
      env: {},
    };
    const slot = await pool.acquire('task-1', 'HEAD', options);
    expect(worktreeWatch(slot.path)).not.toBeNull();
    writeFileSync(join(slot.path, 'b.txt'), 'b\n');
    expect(await stageInProcess(slot.path, slot.ownPaths)).toEqual(['b.txt']);
    expect(worktreeWatch(slot.path)!.watchedFolders).toBe(1);
    await pool.release(slot.path);
    await pool.close();
    expect(worktreeWatch(slot.path)).toBeNull();
  });

  it('scans whole after as many events as the kernel’s queue may have dropped, and misses nothing (a real overflow)', async () => {
    const tw = await twins(manyFiles());
    await capture(tw, []);
    // More events than inotify's queue holds (16,384 here), none read in between: the kernel
    // drops the rest, the last change's event among them.
    const flood: Edit = (dir) => {
      if (dir !== tw.ours) return;
      // Two files by turns: the kernel merges an event identical to the one queued before it.
      for (let i = 0; i < 20_000; i++)
        chmodSync(join(dir, `d0/sub/f${i % 2}.txt`), i < 19_998 ? 0o600 : 0o644);
    };
    const result = await capture(tw, [flood, write('d2/sub/f5.txt', 'after the flood\n')]);
    expect(result).toMatchObject({ way: 'full', staged: ['d2/sub/f5.txt'] });
    expect(captureCounts.scans.why['event overflow']).toBeGreaterThan(0);
    expect((await capture(tw, [write('d3/sub/f5.txt', 'x\n')])).way).toBe('watched');
  });

  it('scans whole once the events since the last scan reach MILESTONE_WATCH_EVENT_LIMIT', async () => {
    const tw = await twins(manyFiles());
    await capture(tw, []);
    process.env.MILESTONE_WATCH_EVENT_LIMIT = '5';
    const edits = Array.from({ length: 6 }, (_, i) => write(`d${i}/sub/f0.txt`, `changed ${i}\n`));
    const result = await capture(tw, edits);
    expect(result.way).toBe('full');
    expect(result.staged).toHaveLength(6);
    expect((await capture(tw, [write('d7/sub/f0.txt', 'one\n')])).way).toBe('watched');
  });

  it('MILESTONE_TASK_CAPTURE=scan scans every capture whole', async () => {
    const tw = await twins(manyFiles());
    await capture(tw, []);
    process.env.MILESTONE_TASK_CAPTURE = 'scan';
    const result = await capture(tw, [write('d1/sub/f1.txt', 'changed\n')]);
    expect(result).toMatchObject({ way: 'full', staged: ['d1/sub/f1.txt'] });
    expect(result.looked).toBeGreaterThan(100);
  });

  it('matches git add -A over several captures of one slot with random changes (property)', async () => {
    const editArb = randomEditArb({
      names: ['a', 'b', 'c.txt', 'd.log', 'x'],
      kinds: ['write', 'remove', 'rename', 'link', 'chmod', 'mkdir', 'ignore'],
      texts: ['1\n', '22\n', 'same\n'],
      targets: ['a', '../x', 'c.txt'],
    });
    const roundArb = fc.record({
      edits: fc.array(editArb, { minLength: 0, maxLength: 6 }),
      // Between tasks: the index rewritten by git (a commit, or a reset: files untouched).
      after: fc.constantFrom('none' as const, 'commit' as const, 'reset' as const),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 2, maxLength: 5 }), async (rounds) => {
        const tw = await twins({
          'a/c.txt': 'c\n',
          'b/d.log': 'd\n',
          'x/a/b': 'deep\n',
          'c.txt': 'top\n',
          '.gitignore': '*.log\n',
        });
        try {
          await capture(tw, []);
          for (const round of rounds) {
            // A write or a link replaces a folder at its path.
            await capture(
              tw,
              round.edits.map((edit) => (dir: string) => applyRandomEdit(dir, edit, ['write', 'link'])),
            );
            for (const dir of [tw.ours, tw.theirs]) {
              if (round.after === 'commit') await git(dir, 'commit', '-q', '--allow-empty', '-m', 'task');
              if (round.after === 'reset') await git(dir, 'reset', '-q');
            }
          }
        } finally {
          unwatchWorktree(tw.ours);
        }
      }),
      propertySettings(10),
    );
  });
});
