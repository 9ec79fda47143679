import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { gitExec } from '../../src/git/git-exec.js';
import { branchExistsInFiles, branchTipFromFiles, headBranchFromFiles } from '../../src/git/ref-files.js';
import { revParse } from '../../src/git/refs.js';
import { currentBranch } from '../../src/git/repo.js';
import { GIT_ENV, git, gitRepo, tempDir } from '../helpers/git-repo.js';

/** What git answers and what the files answer, for HEAD and each branch. */
async function expectGitsAnswers(root: string, branches: string[]): Promise<void> {
  expect(headBranchFromFiles(root, {})).toBe(await currentBranch(root));
  for (const branch of branches) {
    // git itself, not `revParse` (which reads these files where it can).
    const answer = await gitExec(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
      allowExitCodes: [1],
    });
    const tip = answer.exitCode === 0 ? answer.stdout.trim() : null;
    expect(branchTipFromFiles(root, branch, {}), branch).toBe(tip);
    expect(branchExistsInFiles(root, branch, {}), branch).toBe(tip !== null);
    expect(await revParse(root, `refs/heads/${branch}`), branch).toBe(tip);
  }
}

const BRANCHES = ['main', 'milestone/m1', 'milestone', 'milestone/m2', 'other'];

describe('HEAD and branches read from .git, as git answers them', () => {
  it('loose refs, packed refs, a branch under a folder of branches, a detached and an unborn HEAD', async () => {
    const root = await gitRepo();
    await git(root, 'branch', 'milestone/m1');
    await expectGitsAnswers(root, BRANCHES);
    await git(root, 'pack-refs', '--all');
    await git(root, 'branch', 'other');
    await expectGitsAnswers(root, BRANCHES);
    await git(root, 'checkout', '-q', '--detach');
    expect(headBranchFromFiles(root, {})).toBeNull();
    await expectGitsAnswers(root, BRANCHES);
    await git(root, 'checkout', '-q', '--orphan', 'fresh');
    expect(headBranchFromFiles(root, {})).toBe('fresh');
    await expectGitsAnswers(root, [...BRANCHES, 'fresh']);
  });

  it('leaves linked worktrees, symbolic refs, unusual names, other ref storage and GIT_DIR to git', async () => {
    const root = await gitRepo();
    const linked = join(tempDir(), 'linked');
    await git(root, 'worktree', 'add', '-q', linked);
    expect(headBranchFromFiles(linked, {})).toBeUndefined();
    expect(branchExistsInFiles(linked, 'main', {})).toBeUndefined();
    await git(root, 'symbolic-ref', 'refs/heads/alias', 'refs/heads/main');
    expect(branchExistsInFiles(root, 'alias', {})).toBeUndefined();
    // Where the files cannot answer, `revParse` asks git.
    expect(await revParse(root, 'refs/heads/alias')).toBe(await revParse(root, 'refs/heads/main'));
    expect(await revParse(linked, 'refs/heads/main')).toBe(await revParse(root, 'refs/heads/main'));
    for (const name of ['a..b', '/main', 'a b', 'a~1', 'x:y', '']) {
      expect(branchExistsInFiles(root, name, {}), name).toBeUndefined();
    }
    expect(headBranchFromFiles(root, { GIT_DIR: join(root, '.git') })).toBeUndefined();
    mkdirSync(join(root, '.git', 'reftable'));
    expect(headBranchFromFiles(root, {})).toBeUndefined();
  });

  it('leaves a HEAD of another shape to git', async () => {
    const root = await gitRepo();
    writeFileSync(join(root, '.git', 'HEAD'), 'something else\n');
    expect(headBranchFromFiles(root, {})).toBeUndefined();
  });
});

/** `count` commits made by one `git fast-import`, oldest first. */
async function makeCommits(root: string, count: number): Promise<string[]> {
  const marks = join(tempDir(), 'marks');
  const stream = Array.from(
    { length: count },
    (_, i) =>
      `commit refs/heads/generated\nmark :${i + 1}\ncommitter T <t@example.invalid> ${i} +0000\ndata 0\n` +
      `${i > 0 ? `from :${i}\n` : ''}M 100644 inline n.txt\ndata ${String(i).length}\n${i}\n`,
  ).join('');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('git', ['fast-import', '--quiet', `--export-marks=${marks}`], {
      cwd: root,
      env: { ...process.env, ...GIT_ENV },
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import exited ${code}`))));
    child.stdin.end(stream);
  });
  const byMark = new Map(
    readFileSync(marks, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
  return Array.from({ length: count }, (_, i) => byMark.get(`:${i + 1}`)!);
}

describe('a branch read from .git while git packs refs (git gc --auto in the same repository)', () => {
  it('answers a tip the branch had during the read, never "no such branch" nor a tip older than one it answered before', async () => {
    const root = await gitRepo();
    const tips = await makeCommits(root, 150);
    const order = new Map(tips.map((tip, i) => [tip, i]));
    await git(root, 'update-ref', 'refs/heads/milestone/m', tips[0]!);
    await git(root, 'pack-refs', '--all');
    // Each step leaves the branch first loose and newer than its packed entry, then packed only
    // (pack-refs writes packed-refs, then deletes the loose file and its emptied folder).
    const list = join(tempDir(), 'tips');
    writeFileSync(list, `${tips.slice(1).join('\n')}\n`);
    const writer = spawn(
      '/bin/sh',
      [
        '-c',
        'while read c; do git update-ref refs/heads/milestone/m "$c" && git pack-refs --all || exit 1; done < "$1"',
        'sh',
        list,
      ],
      { cwd: root, env: { ...process.env, ...GIT_ENV }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    writer.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => writer.once('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    const wrong: string[] = [];
    const seen = new Set<number>();
    let reads = 0;
    let last = 0;
    while (running) {
      for (let i = 0; i < 200; i++) {
        const tip = branchTipFromFiles(root, 'milestone/m', {});
        reads += 1;
        const at = typeof tip === 'string' ? order.get(tip) : undefined;
        if (at === undefined || at < last) {
          if (wrong.length < 5)
            wrong.push(`read ${reads}: ${String(tip)} (${at ?? 'not a tip'}) after tip ${last}`);
        } else {
          last = at;
          seen.add(at);
        }
      }
      // Lets the writer's exit arrive (the reads above are synchronous).
      await yieldToEvents();
    }
    expect(await exited, stderr).toBe(0);
    expect(wrong).toEqual([]);
    expect(branchTipFromFiles(root, 'milestone/m', {})).toBe(tips.at(-1));
    // Not vacuous: the reads went on while the branch moved through many tips.
    expect(seen.size, `${reads} reads`).toBeGreaterThan(10);
  });
});
