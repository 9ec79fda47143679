import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { commitTask } from '../../src/engine/task-attempt.js';
import { commitIndex, commitWorktree, indexCommitCounts, stripSpace } from '../../src/git/index-commit.js';
import { indexTree, readIndex } from '../../src/git/index-file.js';
import { TreeWriter } from '../../src/git/object-batch.js';
import { closeRepositoryWriters } from '../../src/git/repository-writers.js';
import { runAsync } from '../helpers/async-cli.js';
import { git, gitRepo, writeFiles } from '../helpers/git-repo.js';
import { propertySettings } from '../helpers/property.js';

const DATES = { GIT_AUTHOR_DATE: '2024-05-01T10:00:00Z', GIT_COMMITTER_DATE: '2024-05-01T10:00:01Z' };
const saved = { ...process.env };

afterEach(async () => {
  await closeRepositoryWriters();
  process.env = { ...saved };
});

/** A repository with folders, and a worktree on branch `task` at its head. */
async function worktreeRepo(): Promise<{ root: string; worktree: string; base: string }> {
  const root = await gitRepo({
    files: { 'a.txt': '1\n', 'src/x.ts': 'x\n', 'src/deep/y.ts': 'y\n', 'docs/z.md': 'z\n', a0: 'a0\n' },
  });
  const worktree = join(root, '..', `${root.split('/').pop()}-wt`);
  await git(root, 'worktree', 'add', '-q', '-b', 'task', worktree, 'HEAD');
  return { root, worktree, base: await git(worktree, 'rev-parse', 'HEAD') };
}

/**
 * What `git commit -q --allow-empty --no-verify -F -` makes of the same index on the same parent
 * (asked after commitIndex: git's commit writes a whole cache tree into the index).
 */
async function gitCommitOf(worktree: string, parent: string, message: string): Promise<string> {
  await git(worktree, 'update-ref', 'refs/heads/task', parent);
  const result = await runAsync('git', ['commit', '-q', '--allow-empty', '--no-verify', '-F', '-'], {
    cwd: worktree,
    env: DATES,
    input: message,
  });
  if (result.code !== 0) throw new Error(result.stderr);
  return git(worktree, 'rev-parse', 'HEAD');
}

describe('commitIndex (a task commit without a git process)', () => {
  it('writes the very commit git commit writes: tree from the index, parent, identity, cleaned message', async () => {
    Object.assign(process.env, DATES);
    const { root, worktree, base } = await worktreeRepo();
    writeFiles(worktree, { 'new.txt': 'n\n', 'src/deep/y.ts': 'changed\n', 'g/h/i.txt': 'i\n' });
    rmSync(join(worktree, 'docs/z.md'));
    writeFileSync(join(worktree, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(worktree, 'run.sh'), 0o755);
    symlinkSync('a.txt', join(worktree, 'link'));
    await git(worktree, 'add', '-A');
    // Trailing spaces, blank runs and surrounding blank lines: git cleans them; so must we.
    const message = '\n\nfeat(execute): a title  \n\n\n\nMilestone-Id: m\nTask-Id: t1\t\n\n';
    const written = await commitIndex(worktree, base, message);
    expect(await git(root, 'rev-parse', 'refs/heads/task')).toBe(written);
    // The worktree is clean against its new HEAD: the index is the commit's tree.
    expect(await git(worktree, 'status', '--porcelain')).toBe('');
    expect(await git(root, 'fsck', '--no-dangling')).toBe('');
    expect(written).toBe(await gitCommitOf(worktree, base, message));
  });

  it('reads version 4 indexes and reuses the cache tree of folders nothing changed in', async () => {
    Object.assign(process.env, DATES);
    const { worktree, base } = await worktreeRepo();
    await git(worktree, 'update-index', '--index-version', '4');
    await git(worktree, 'write-tree'); // every folder of the cache tree valid
    writeFiles(worktree, { 'src/deep/new.ts': 'n\n' });
    await git(worktree, 'add', '-A');
    const written = await commitIndex(worktree, base, 'x\n');
    expect(written).toBe(await gitCommitOf(worktree, base, 'x\n'));
  });

  it('cleans messages as git stripspace does', async () => {
    const root = await gitRepo();
    for (const message of [
      'a',
      'a\n',
      '\n\na  \n\n\nb\t\n\n',
      'a\r\n\r\nb\r\n',
      '  \n',
      'x\v \n# not a comment\n',
    ]) {
      const result = await runAsync('git', ['stripspace'], { cwd: root, input: message });
      expect(stripSpace(message), JSON.stringify(message)).toBe(result.stdout);
    }
  });

  it('leaves the commit to git when git commit would run a hook, sign, or meets an index it must judge', async () => {
    const { root, worktree, base } = await worktreeRepo();
    const before = { ...indexCommitCounts.fallbacks };
    const fallbacks = () =>
      Object.fromEntries(
        Object.entries(indexCommitCounts.fallbacks).map(([k, v]) => [k, v - (before[k as 'hook'] ?? 0)]),
      );
    // A post-commit hook in the repository's hooks folder.
    const hook = join(root, '.git/hooks/post-commit');
    writeFileSync(hook, '#!/bin/sh\n');
    chmodSync(hook, 0o755);
    expect(await commitIndex(worktree, base, 'x\n')).toBeNull();
    rmSync(hook);
    // core.hooksPath relative to the worktree (husky's way).
    mkdirSync(join(worktree, '.husky'));
    writeFileSync(join(worktree, '.husky/prepare-commit-msg'), '#!/bin/sh\n');
    chmodSync(join(worktree, '.husky/prepare-commit-msg'), 0o755);
    await git(root, 'config', 'core.hooksPath', '.husky');
    expect(await commitIndex(worktree, base, 'x\n')).toBeNull();
    await git(root, 'config', '--unset', 'core.hooksPath');
    rmSync(join(worktree, '.husky'), { recursive: true });
    // Signing.
    await git(root, 'config', 'commit.gpgSign', 'true');
    expect(await commitIndex(worktree, base, 'x\n')).toBeNull();
    await git(root, 'config', '--unset', 'commit.gpgSign');
    // An intent-to-add entry (write-tree leaves it out).
    writeFiles(worktree, { 'later.txt': 'l\n' });
    await git(worktree, 'add', '-N', 'later.txt');
    expect(await commitIndex(worktree, base, 'x\n')).toBeNull();
    await git(worktree, 'add', '-A');
    // A detached HEAD.
    await git(worktree, 'checkout', '-q', '--detach');
    expect(await commitIndex(worktree, base, 'x\n')).toBeNull();
    await git(worktree, 'checkout', '-q', 'task');
    // The branch is not at the parent the caller read (another writer moved it).
    await git(worktree, 'commit', '-q', '--allow-empty', '-m', 'elsewhere');
    expect(await commitIndex(worktree, base, 'x\n')).toBeNull();
    expect(fallbacks()).toEqual({ hook: 2, settings: 1, index: 1, head: 1, moved: 1 });
    // Nothing was moved by any of them.
    expect(await git(root, 'rev-parse', 'task~1')).toBe(base);
    // And then it writes again.
    const head = await git(root, 'rev-parse', 'task');
    expect(await commitIndex(worktree, head, 'x\n')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('MILESTONE_TASK_COMMIT=git leaves every commit to git commit, which commitWorktree then runs', async () => {
    const { root, worktree, base } = await worktreeRepo();
    process.env.MILESTONE_TASK_COMMIT = 'git';
    const before = indexCommitCounts.fallbacks.disabled ?? 0;
    expect(await commitIndex(worktree, base, 'x\n')).toBeNull();
    expect(indexCommitCounts.fallbacks.disabled).toBe(before + 1);
    const commit = await commitWorktree(worktree, base, 'by git\n');
    expect(await git(root, 'log', '-1', '--format=%P %s', commit)).toBe(`${base} by git`);
    expect(await git(root, 'rev-parse', 'refs/heads/task')).toBe(commit);
  });

  it("a task commit still runs the repository's post-commit hook (through git commit)", async () => {
    const { root, worktree } = await worktreeRepo();
    const hook = join(root, '.git/hooks/post-commit');
    writeFileSync(hook, `#!/bin/sh\necho ran > "${join(root, 'hook-ran')}"\n`);
    chmodSync(hook, 0o755);
    writeFiles(worktree, { 'out.txt': 'o\n' });
    const { commit } = await commitTask(worktree, 'm', {
      id: 't1',
      title: 'T',
      phase: 'execute',
      needs: [],
      files: [],
    });
    expect(await git(root, 'rev-parse', 'refs/heads/task')).toBe(commit);
    expect(await git(root, 'cat-file', '-p', `${commit}:out.txt`)).toBe('o');
    expect(await runAsync('cat', [join(root, 'hook-ran')], { cwd: root })).toMatchObject({ stdout: 'ran\n' });
  });

  it('builds the tree git write-tree builds, for random changes to a worktree (property)', async () => {
    const { root, worktree } = await worktreeRepo();
    const writer = new TreeWriter(root);
    const paths = [
      'a.txt',
      'a0',
      'a.b',
      'src/x.ts',
      'src/deep/y.ts',
      'src/deep/z',
      'docs/z.md',
      'e/f/g',
      'ü/ä',
    ];
    const change = fc.record({
      path: fc.constantFrom(...paths),
      what: fc.constantFrom('write', 'write', 'delete', 'chmod', 'link'),
      content: fc.constantFrom('1\n', '2\n', 'three\n'),
    });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(change, { maxLength: 6 }),
          fc.boolean(),
          fc.boolean(),
          async (changes, cacheValid, v4) => {
            await git(worktree, 'update-index', '--index-version', v4 ? '4' : '2');
            if (cacheValid) await git(worktree, 'write-tree');
            for (const { path, what, content } of changes) {
              const file = join(worktree, path);
              rmSync(file, { force: true, recursive: true });
              if (what === 'delete') continue;
              mkdirSync(join(file, '..'), { recursive: true });
              if (what === 'link') symlinkSync(content.trim(), file);
              else writeFileSync(file, content);
              if (what === 'chmod') chmodSync(file, 0o755);
            }
            await git(worktree, 'add', '-A');
            const index = readIndex(join(root, '.git/worktrees', worktree.split('/').pop()!, 'index'), 20);
            if ('problem' in index) throw new Error(index.problem);
            const tree = await indexTree(index, {
              write: (data) => writer.writeObject(data),
              exist: async () => true,
            });
            expect(tree).toBe(await git(worktree, 'write-tree'));
          },
        ),
        propertySettings(25),
      );
    } finally {
      await writer.close();
    }
  });
});
