import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { milestoneAsync, runAsync } from '../helpers/async-cli.js';
import { git, gitRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

/** A `git` first on PATH that logs each command's subcommand line, then runs the real git. */
async function loggingGit(): Promise<{ path: string; log: string }> {
  const real = (await runAsync('/bin/sh', ['-c', 'command -v git'], { cwd: '/' })).stdout.trim();
  const bin = tempDir('milestone-gitlog-');
  const log = join(bin, 'log');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  return { path: `${bin}:${process.env.PATH}`, log };
}

async function plannedRepo(tasks: number) {
  const root = await gitRepo();
  const stateHome = tempDir('milestone-state-');
  writeFiles(root, {
    'plan.yaml': stringify({
      version: 1,
      milestone: 'Git work',
      id: 'gw',
      tasks: Array.from({ length: tasks }, (_, i) => ({
        id: `t${i}`,
        title: `Task ${i}`,
        run: `echo ${i} > f${i}.txt`,
      })),
    }),
  });
  const env = { XDG_STATE_HOME: stateHome };
  expect((await milestoneAsync(root, ['plan', '--from', 'plan.yaml'], env)).code).toBe(0);
  return { root, env };
}

describe("a task's git work", () => {
  it('a no-op task costs no git process of its own: no checkout, read-tree, add or commit', async () => {
    const { root, env } = await plannedRepo(6);
    const { path, log } = await loggingGit();
    const result = await milestoneAsync(root, ['execute', 'gw', '--mode', 'agents', '--concurrency', '1'], {
      ...env,
      PATH: path,
    });
    expect(result.code, result.stderr).toBe(0);
    const commands = readFileSync(log, 'utf8').split('\n');
    const count = (word: string) => commands.filter((line) => line.split(' ')[0] === word).length;
    // One slot, made by `worktree add` at the start point: every task switches in process
    // (tree-switch.ts), the first only setting its branch. (The phase commit reads its tree into
    // a private index: `read-tree <head>`, not `-m -u`.)
    expect(commands.filter((line) => /(^| )read-tree -m -u /.test(line))).toEqual([]);
    expect(commands.filter((line) => /(^| )(checkout|clean) /.test(line))).toEqual([]);
    // The slot lets go of its branch at the end without `update-ref --no-deref HEAD HEAD`.
    expect(commands.filter((line) => /update-ref --no-deref HEAD/.test(line))).toEqual([]);
    // Staged in process (worktree-capture.ts): no `git add`.
    expect(count('add')).toBe(0);
    // No `git commit` (options such as `-c name=value` may come first).
    expect(commands.filter((line) => /^(-c \S+ )*commit( |$)/.test(line))).toEqual([]);
    // Every task landed once, with its file, on a branch git finds sound.
    expect(
      (await git(root, 'log', '--first-parent', '--format=%(trailers:key=Task-Id,valueonly)', 'milestone/gw'))
        .split('\n')
        .filter(Boolean)
        .sort(),
    ).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
    expect(await git(root, 'show', 'milestone/gw:f5.txt')).toBe('5');
    expect(await git(root, 'fsck', '--no-dangling')).toBe('');
  });

  it("a small run's fixed git work: the phase commit stores all its files with one hash-object and one update-index", async () => {
    const { root, env } = await plannedRepo(4);
    const { path, log } = await loggingGit();
    const result = await milestoneAsync(root, ['execute', 'gw', '--mode', 'agents', '--concurrency', '4'], {
      ...env,
      PATH: path,
    });
    expect(result.code, result.stderr).toBe(0);
    const commands = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    // The phase commit writes its 8 files through one `hash-object -w` of their copies and one
    // `update-index --index-info` (it was one `hash-object --stdin` and one `--cacheinfo` each).
    expect(commands.filter((line) => /(^| )update-index /.test(line))).toEqual([
      'update-index -z --index-info',
    ]);
    expect(commands.filter((line) => /(^| )hash-object -w --no-filters -- /.test(line))).toHaveLength(1);
    expect(commands.filter((line) => /(^| )hash-object -w --stdin$/.test(line))).toEqual([]);
    // The whole run, 4 no-op tasks on 4 slots: 70 git processes before the phase commit was
    // batched and the milestone branch read from its ref file (nine `rev-parse --verify`), 46
    // after (a few spare for timing).
    expect(commands.filter((line) => /(^| )rev-parse --verify/.test(line))).toEqual([]);
    expect(commands.length, commands.join('\n')).toBeLessThanOrEqual(50);
    // The phase record files landed with the content git hashes them to.
    const files = (await git(root, 'ls-tree', '-r', '--name-only', 'milestone/gw', '.milestones/gw'))
      .split('\n')
      .filter(Boolean);
    expect(files).toContain('.milestones/gw/phases/execute.json');
    expect(files).toContain('.milestones/gw/plan.json');
    expect(JSON.parse(await git(root, 'show', 'milestone/gw:.milestones/gw/plan.json'))).toBeTruthy();
    expect(await git(root, 'fsck', '--no-dangling')).toBe('');
  });

  it('MILESTONE_SLOT_SWITCH=read-tree and MILESTONE_TASK_CAPTURE=git bring back read-tree and git add, with the same result', async () => {
    const { root, env } = await plannedRepo(4);
    const { path, log } = await loggingGit();
    const result = await milestoneAsync(root, ['execute', 'gw', '--mode', 'agents', '--concurrency', '1'], {
      ...env,
      PATH: path,
      MILESTONE_SLOT_SWITCH: 'read-tree',
      MILESTONE_TASK_CAPTURE: 'git',
    });
    expect(result.code, result.stderr).toBe(0);
    const commands = readFileSync(log, 'utf8').split('\n');
    expect(commands.filter((line) => /(^| )read-tree -m -u /.test(line))).toHaveLength(4);
    expect(commands.filter((line) => line.split(' ')[0] === 'add')).toHaveLength(4);
    expect(await git(root, 'show', 'milestone/gw:f3.txt')).toBe('3');
    expect(await git(root, 'fsck', '--no-dangling')).toBe('');
  });

  it("runs the repository's post-checkout and post-commit hooks for every task, as git checkout and git commit do", async () => {
    const { root, env } = await plannedRepo(3);
    const ran = join(tempDir('milestone-hooks-'), 'ran');
    for (const hook of ['post-checkout', 'post-commit']) {
      writeFileSync(join(root, '.git/hooks', hook), `#!/bin/sh\necho ${hook} >> '${ran}'\n`);
      chmodSync(join(root, '.git/hooks', hook), 0o755);
    }
    const result = await milestoneAsync(
      root,
      ['execute', 'gw', '--mode', 'agents', '--concurrency', '1'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = readFileSync(ran, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l === 'post-commit')).toHaveLength(3);
    // `worktree add` checks out once, then one checkout per task.
    expect(lines.filter((l) => l === 'post-checkout').length).toBeGreaterThanOrEqual(3);
  });
});
