import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeRepositoryWriters } from '../../src/git/repository-writers.js';
import { switchCleanWorktree, switchCounts } from '../../src/git/worktree-switch.js';
import { git, gitRepo, writeFiles } from '../helpers/git-repo.js';

afterEach(async () => {
  await closeRepositoryWriters();
});

/** Every file under `dir` (not `.git`), by path, with its bytes. */
function filesOf(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (path === '.git') continue;
    if (entry.isDirectory()) Object.assign(out, filesOf(dir, path));
    else out[path] = readFileSync(join(dir, path)).toString('hex');
  }
  return out;
}

/**
 * A repository whose `.gitignore` ignores `.gitattributes`, a second commit that changes and
 * adds files in the root, `src/` and `other/`, and two worktrees at the first commit: `ours`
 * (switched by milestone) and `theirs` (switched by git), each given `attributes` (path -> text)
 * that no commit tracks, as a task or a slot's setup leaves them.
 */
async function twoWorktrees(attributes: Record<string, string>) {
  const root = await gitRepo({
    files: {
      '.gitignore': '.gitattributes\n',
      'a.txt': 'a\n',
      'src/s.txt': 's\n',
      'other/o.txt': 'o\n',
    },
  });
  // A filter git runs on checkout when an attribute names it: upper-cases the file.
  await git(root, 'config', 'filter.upper.smudge', 'tr a-z A-Z');
  await git(root, 'config', 'filter.upper.clean', 'tr A-Z a-z');
  const first = await git(root, 'rev-parse', 'HEAD');
  writeFiles(root, {
    'a.txt': 'one\ntwo\n',
    'id.txt': 'version $Id$\n',
    'src/s.txt': 's\nmore\n',
    'src/up.txt': 'shout\n',
    'src/wide.txt': 'wide\n',
    'other/o.txt': 'o2\n',
  });
  await git(root, 'add', '-A');
  await git(root, 'commit', '-qm', 'second');
  const second = await git(root, 'rev-parse', 'HEAD');
  const ours = `${root}-ours`;
  const theirs = `${root}-theirs`;
  await git(root, 'worktree', 'add', '-q', '-b', 'ours', ours, first);
  await git(root, 'worktree', 'add', '-q', '-b', 'theirs', theirs, first);
  for (const wt of [ours, theirs]) writeFiles(wt, attributes);
  return { root, ours, theirs, first, second };
}

describe('the in-process switch and a .gitattributes no commit tracks', () => {
  it('git honours an ignored .gitattributes on read-tree -m -u and checkout (eol, ident, filter, working-tree-encoding)', async () => {
    const { theirs, first, second } = await twoWorktrees({
      '.gitattributes':
        'a.txt eol=crlf\nid.txt ident\nsrc/up.txt filter=upper\nsrc/wide.txt working-tree-encoding=UTF-16LE\n',
    });
    expect(await git(theirs, 'status', '--porcelain', '--ignored')).toBe('!! .gitattributes');
    await git(theirs, 'read-tree', '-m', '-u', first, second);
    expect(readFileSync(join(theirs, 'a.txt'), 'utf8')).toBe('one\r\ntwo\r\n');
    expect(readFileSync(join(theirs, 'id.txt'), 'utf8')).toMatch(/^version \$Id: [0-9a-f]{40} \$\n$/);
    expect(readFileSync(join(theirs, 'src/up.txt'), 'utf8')).toBe('SHOUT\n');
    expect(readFileSync(join(theirs, 'src/wide.txt'))).toEqual(Buffer.from('wide\n', 'utf16le'));
    // checkout does the same on a fresh branch.
    await git(theirs, 'checkout', '-q', '--force', '-B', 'again', first);
    await git(theirs, 'checkout', '-q', '--force', '-B', 'again2', second);
    expect(readFileSync(join(theirs, 'a.txt'), 'utf8')).toBe('one\r\ntwo\r\n');
  });

  it('leaves the switch to git when an ignored .gitattributes sits at the root: the files are the bytes git writes', async () => {
    const attributes = {
      '.gitattributes':
        'a.txt eol=crlf\nid.txt ident\nsrc/up.txt filter=upper\nsrc/wide.txt working-tree-encoding=UTF-16LE\n',
    };
    const { ours, theirs, first, second } = await twoWorktrees(attributes);
    const before = { ...switchCounts, why: switchCounts.readTreeWhy['untracked attributes'] ?? 0 };
    expect(await switchCleanWorktree(ours, 'next', second)).toBe(true);
    await git(theirs, 'read-tree', '-m', '-u', first, second);
    expect(filesOf(ours)).toEqual(filesOf(theirs));
    expect(await git(ours, 'ls-files', '-s')).toBe(await git(theirs, 'ls-files', '-s'));
    expect(await git(ours, 'status', '--porcelain')).toBe('');
    expect(await git(ours, 'rev-parse', 'HEAD')).toBe(second);
    expect(switchCounts.inProcess).toBe(before.inProcess);
    expect(switchCounts.readTree).toBe(before.readTree + 1);
    expect(switchCounts.readTreeWhy['untracked attributes']).toBe(before.why + 1);
  });

  it('sees one in a subfolder the switch writes to, and stays in process when none is in a folder it touches', async () => {
    const nested = await twoWorktrees({ 'src/.gitattributes': '*.txt eol=crlf\n' });
    const readTree = switchCounts.readTree;
    expect(await switchCleanWorktree(nested.ours, 'next', nested.second)).toBe(true);
    await git(nested.theirs, 'read-tree', '-m', '-u', nested.first, nested.second);
    expect(readFileSync(join(nested.ours, 'src/s.txt'), 'utf8')).toBe('s\r\nmore\r\n');
    expect(filesOf(nested.ours)).toEqual(filesOf(nested.theirs));
    expect(switchCounts.readTree).toBe(readTree + 1);

    // A .gitattributes in a folder the switch neither writes nor deletes in changes nothing it writes.
    const aside = await twoWorktrees({ 'docs/.gitattributes': '*.txt eol=crlf\n' });
    const inProcess = switchCounts.inProcess;
    expect(await switchCleanWorktree(aside.ours, 'next', aside.second)).toBe(true);
    expect(switchCounts.inProcess).toBe(inProcess + 1);
    expect(readFileSync(join(aside.ours, 'a.txt'), 'utf8')).toBe('one\ntwo\n');
  });
});
