import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readIndex } from '../../src/git/index-file.js';
import { indexEntries, serializeIndex } from '../../src/git/index-write.js';
import { closeRepositoryWriters } from '../../src/git/repository-writers.js';
import { captureCounts, stageInProcess } from '../../src/git/worktree-capture.js';
import { git } from '../helpers/git-repo.js';
import { propertySettings } from '../helpers/property.js';
import { applyRandomEdit, randomEditArb, snapshot } from './fixtures/random-edits.js';
import type { Edit, TwinWorktrees } from './fixtures/twin-worktrees.js';
import { applyToBoth, expectSameIndex, twinWorktrees } from './fixtures/twin-worktrees.js';

afterEach(async () => {
  await closeRepositoryWriters();
});

const write =
  (path: string, text: string): Edit =>
  (dir) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    rmSync(join(dir, path), { force: true });
    writeFileSync(join(dir, path), text);
  };
const remove =
  (path: string): Edit =>
  (dir) =>
    rmSync(join(dir, path), { recursive: true, force: true });
const link =
  (path: string, target: string): Edit =>
  (dir) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    rmSync(join(dir, path), { recursive: true, force: true });
    symlinkSync(target, join(dir, path));
  };
const chmod =
  (path: string, mode: number): Edit =>
  (dir) =>
    chmodSync(join(dir, path), mode);

/** Applies `edits` to both, stages with git in one and in process in the other, and compares. */
async function compareWithGit(tw: TwinWorktrees, edits: Edit[], ownPaths: string[] = []) {
  applyToBoth(tw, edits);
  await git(tw.theirs, 'add', '-A');
  for (const p of ownPaths) await git(tw.theirs, 'reset', '-q', '--', p);
  const before = captureCounts.inProcess;
  const staged = await stageInProcess(tw.ours, ownPaths);
  expect(staged, JSON.stringify(captureCounts.why)).not.toBeNull();
  expect(captureCounts.inProcess).toBe(before + 1);
  await expectSameIndex(tw);
  expect(await git(tw.ours, 'status', '--porcelain')).toBe(await git(tw.theirs, 'status', '--porcelain'));
  return staged!;
}

describe('stageInProcess (git add -A without a git process)', () => {
  it('stages what git add -A stages: changes, deletes, modes, symlinks, renames, nested new folders, odd names', async () => {
    const tw = await twinWorktrees({
      'src/a.ts': 'a\n',
      'src/b.ts': 'b\n',
      'src/deep/c.ts': 'c\n',
      'bin/run.sh': '#!/bin/sh\n',
      'gone.txt': 'g\n',
      'old-name.txt': 'moving\n',
      'was-file': 'becomes a folder\n',
      'was-folder/x.txt': 'x\n',
      'to-link.txt': 'becomes a symlink\n',
    });
    const staged = await compareWithGit(tw, [
      write('src/a.ts', 'a, longer now\n'),
      remove('gone.txt'),
      remove('old-name.txt'),
      write('new-name.txt', 'moving\n'),
      write('a/b/c/new.txt', 'nested\n'),
      chmod('bin/run.sh', 0o755),
      write('tool.sh', '#!/bin/sh\n'),
      chmod('tool.sh', 0o755),
      link('docs-link', 'src/deep'),
      link('to-link.txt', '../outside'),
      remove('was-file'),
      write('was-file/inside.txt', 'now a folder\n'),
      remove('was-folder'),
      write('was-folder', 'now a file\n'),
      write('with space.txt', 's\n'),
      write('ünïcödé.txt', 'u\n'),
      (dir) => mkdirSync(join(dir, 'empty/folder'), { recursive: true }),
    ]);
    expect([...staged].sort()).toEqual(
      [
        'a/b/c/new.txt',
        'bin/run.sh',
        'docs-link',
        'new-name.txt',
        'src/a.ts',
        'to-link.txt',
        'tool.sh',
        'was-file/inside.txt',
        'was-folder',
        'with space.txt',
        Buffer.from('ünïcödé.txt').toString('latin1'),
      ].sort(),
    );
  });

  it('honours .gitignore at every depth, negations, info/exclude, and a .gitignore the task adds', async () => {
    const tw = await twinWorktrees({
      '.gitignore': '*.log\n!keep.log\nbuild/\n/only-root.tmp\n',
      'sub/.gitignore': '!important.log\nlocal/\n',
      'tracked.log': 'tracked even though ignored\n',
    });
    const exclude = join(tw.root, '.git/info/exclude');
    writeFileSync(exclude, `${readFileSync(exclude, 'utf8')}secret.env\n`);
    await compareWithGit(tw, [
      write('tracked.log', 'changed: git still stages a tracked file\n'),
      write('debug.log', 'ignored\n'),
      write('keep.log', 'kept by a negation\n'),
      write('build/out.js', 'ignored folder\n'),
      write('build/deeper/x.js', 'ignored\n'),
      write('only-root.tmp', 'ignored at the root\n'),
      write('sub/only-root.tmp', 'not ignored below\n'),
      write('sub/important.log', 're-included below\n'),
      write('sub/other.log', 'still ignored\n'),
      write('sub/local/x.txt', 'ignored below\n'),
      write('secret.env', 'excluded by info/exclude\n'),
      write('new/.gitignore', '*.gen\n'),
      write('new/a.gen', 'ignored by the new .gitignore\n'),
      write('new/a.src', 'added\n'),
    ]);
  });

  it('leaves the slot’s own paths as the index has them', async () => {
    const tw = await twinWorktrees({ 'a.txt': 'a\n' });
    await compareWithGit(
      tw,
      [link('node_modules', '/tmp'), write('.env.local', 'copied\n'), write('b.txt', 'b\n')],
      ['node_modules', '.env.local'],
    );
  });

  it('finds a same-size change the index’s stat data cannot show (racy git: the content is hashed)', async () => {
    const tw = await twinWorktrees({ 'same.txt': 'aaaa\n' });
    const gitDir = join(
      tw.root,
      '.git/worktrees',
      readdirSync(join(tw.root, '.git/worktrees')).find((n) => n.includes('ours'))!,
    );
    // A coarse clock: the file changes, and the index's entry holds the new stat data but the old blob.
    writeFileSync(join(tw.ours, 'same.txt'), 'bbbb\n');
    const index = readIndex(join(gitDir, 'index'), 20);
    if ('problem' in index) throw new Error(index.problem);
    const entries = indexEntries(index).map((entry) => {
      if (entry.path !== 'same.txt') return entry;
      const st = lstatSync(join(tw.ours, 'same.txt'), { bigint: true });
      const stat = Buffer.from(entry.stat);
      stat.writeUInt32BE(Number(st.ctimeNs / 1_000_000_000n), 0);
      stat.writeUInt32BE(Number(st.ctimeNs % 1_000_000_000n), 4);
      stat.writeUInt32BE(Number(st.mtimeNs / 1_000_000_000n), 8);
      stat.writeUInt32BE(Number(st.mtimeNs % 1_000_000_000n), 12);
      stat.writeUInt32BE(Number(st.ino & 0xffffffffn), 20);
      return { ...entry, stat };
    });
    writeFileSync(join(gitDir, 'index'), serializeIndex(entries, null, 20));
    // The index written in the same second as the file: its entry is racily clean.
    const mtime = lstatSync(join(tw.ours, 'same.txt')).mtime;
    utimesSync(join(gitDir, 'index'), mtime, mtime);
    expect(await stageInProcess(tw.ours, [])).toEqual(['same.txt']);
    expect(await git(tw.ours, 'cat-file', '-p', ':same.txt')).toBe('bbbb');
  });

  it('leaves to git (changing nothing) a nested repository, a .gitattributes, an assume-unchanged entry, MILESTONE_TASK_CAPTURE=git', async () => {
    const tw = await twinWorktrees({ 'a.txt': 'a\n' });
    const indexBefore = async () => git(tw.ours, 'ls-files', '-s', '--debug');
    mkdirSync(join(tw.ours, 'nested'));
    await git(join(tw.ours, 'nested'), 'init', '-q');
    writeFileSync(join(tw.ours, 'nested/x.txt'), 'x\n');
    let saved = await indexBefore();
    expect(await stageInProcess(tw.ours, [])).toBeNull();
    expect(captureCounts.why['nested repository']).toBeGreaterThan(0);
    expect(await indexBefore()).toBe(saved);
    rmSync(join(tw.ours, 'nested'), { recursive: true });

    writeFileSync(join(tw.ours, '.gitattributes'), '*.txt text eol=crlf\n');
    expect(await stageInProcess(tw.ours, [])).toBeNull();
    expect(captureCounts.why.attributes).toBeGreaterThan(0);
    rmSync(join(tw.ours, '.gitattributes'));

    await git(tw.ours, 'update-index', '--assume-unchanged', 'a.txt');
    saved = await indexBefore();
    expect(await stageInProcess(tw.ours, [])).toBeNull();
    expect(await indexBefore()).toBe(saved);
    await git(tw.ours, 'update-index', '--no-assume-unchanged', 'a.txt');

    process.env.MILESTONE_TASK_CAPTURE = 'git';
    try {
      expect(await stageInProcess(tw.ours, [])).toBeNull();
      expect(captureCounts.why.disabled).toBeGreaterThan(0);
    } finally {
      delete process.env.MILESTONE_TASK_CAPTURE;
    }
  });

  it('matches git add -A on random changes (property), from a tree with executables and symlinks tracked', async () => {
    const editArb = randomEditArb({
      names: ['a', 'b', 'c.txt', 'd.log', 'x', 'e'],
      kinds: ['write', 'remove', 'link', 'chmod', 'ignore'],
      texts: ['1\n', '22\n', 'same\n'],
      targets: ['a', '../x', 'c.txt'],
    });
    await fc.assert(
      fc.asyncProperty(fc.array(editArb, { minLength: 1, maxLength: 8 }), async (edits) => {
        // Tracked modes the edits change: 100755 files and 120000 symlinks (to a file, to a folder,
        // dangling), some at the top (`c.txt`, `e`: one edit in nine names one), which writes,
        // chmods, links and removes turn into other modes, files or nothing.
        const tw = await twinWorktrees(
          {
            'a/c.txt': 'c\n',
            'b/d.log': 'd\n',
            'x/a/b': 'deep\n',
            'c.txt': 'top\n',
            'a/x': '#!/bin/sh\n',
            '.gitignore': '*.log\n',
          },
          {
            executable: ['c.txt', 'x/a/b', 'a/x'],
            links: { e: 'c.txt', 'a/e': '../x', 'x/x': 'a', 'a/a': 'gone' },
          },
        );
        // A link replaces a folder at its path; a write over a folder fails (in both twins).
        const apply = edits.map((edit) => (dir: string) => applyRandomEdit(dir, edit, ['link']));
        await compareWithGit(tw, apply);
        // The worktrees themselves agree (nothing written by the capture).
        expect(snapshot(tw.ours)).toEqual(snapshot(tw.theirs));
      }),
      propertySettings(12),
    );
  });
});
