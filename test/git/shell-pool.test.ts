import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { GitError } from '../../src/git/git-error.js';
import { type GitExecOptions, gitEnv, gitExec, gitShellPool } from '../../src/git/git-exec.js';
import { ShellPool } from '../../src/git/shell-pool.js';
import { git, gitRepo, runFile, tempDir } from '../helpers/git-repo.js';

const DIST_GIT_EXEC = resolve(import.meta.dirname, '../../dist/git/git-exec.js');

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

function settle(promise: Promise<unknown>): Promise<Settled> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** The same call through a direct spawn and through the pool. */
async function bothWays(cwd: string, args: string[], options?: GitExecOptions) {
  process.env.MILESTONE_GIT_SPAWN = 'direct';
  const direct = settle(gitExec(cwd, args, options));
  delete process.env.MILESTONE_GIT_SPAWN;
  const pooled = settle(gitExec(cwd, args, options));
  return { direct: await direct, pooled: await pooled };
}

/** A GitError's observable fields (what callers and users see). */
function shape(settled: Settled): unknown {
  if (settled.ok) return settled;
  const error = settled.error as GitError;
  return {
    name: error.name,
    message: error.message,
    exitCode: error.exitCode,
    stderr: error.stderr,
    args: error.args,
    cwd: error.cwd,
    cause: (error.cause as NodeJS.ErrnoException | undefined)?.code,
  };
}

async function expectSame(cwd: string, args: string[], options?: GitExecOptions): Promise<Settled> {
  const { direct, pooled } = await bothWays(cwd, args, options);
  expect(shape(pooled)).toEqual(shape(direct));
  return pooled;
}

/** Stores `content` as a blob and returns its id. */
async function blob(repo: string, content: Buffer | string): Promise<string> {
  const file = join(tempDir(), 'blob');
  writeFileSync(file, content);
  return git(repo, 'hash-object', '-w', file);
}

/** Whether `pid` is a live process (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits (polling /proc) until none of `pids` runs; false after a minute. */
async function allGone(pids: number[]): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    if (!pids.some(alive)) return true;
    await pause(100);
  }
  return false;
}

/** The parent pid of the git that ran an alias (`$PPID` of the alias's shell is git). */
const GIT_PARENT = ['-c', "alias.parent=!awk '{print $4}' /proc/$PPID/stat", 'parent'];

afterEach(() => {
  delete process.env.MILESTONE_GIT_SPAWN;
});

describe('gitExec through the shell pool', () => {
  it('runs git from a pooled shell, not from this process; directly with MILESTONE_GIT_SPAWN=direct or a timeout', async () => {
    const repo = await gitRepo();
    const pooled = Number((await gitExec(repo, GIT_PARENT)).stdout);
    expect(gitShellPool().pids()).toContain(pooled);
    expect(pooled).not.toBe(process.pid);
    expect(Number((await gitExec(repo, GIT_PARENT, { timeoutMs: 60_000 })).stdout)).toBe(process.pid);
    process.env.MILESTONE_GIT_SPAWN = 'direct';
    expect(Number((await gitExec(repo, GIT_PARENT)).stdout)).toBe(process.pid);
  });

  it('gives binary output, output without a final newline and 3 MB of output byte for byte', async () => {
    const repo = await gitRepo();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const large = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < large.length; i++) large[i] = (i * 7919) % 251;
    for (const content of [bytes, Buffer.from('no newline at the end'), large, Buffer.alloc(0)]) {
      const id = await blob(repo, content);
      const result = await expectSame(repo, ['cat-file', 'blob', id]);
      expect(result.ok).toBe(true);
      const pool = new ShellPool({ env: () => gitEnv() });
      const raw = await pool.run({ cwd: repo, args: ['cat-file', 'blob', id] });
      await pool.close();
      expect(raw.ran && raw.stdout.equals(content)).toBe(true);
    }
  });

  it('is not fooled by output that looks like its end marker', async () => {
    const repo = await gitRepo();
    const fake = `a\n${'0123456789abcdef'.repeat(2)} 0\n\nnocd\n${'f'.repeat(32)} nogit\n`;
    const id = await blob(repo, fake);
    const result = await expectSame(repo, ['cat-file', 'blob', id]);
    expect(result).toEqual({ ok: true, value: { stdout: fake, stderr: '', exitCode: 0 } });
  });

  it('reports stderr, allowed and refused exit codes and a missing directory as a direct spawn does', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a\n' } });
    writeFileSync(join(repo, 'a.txt'), 'changed\n');
    const refused = await expectSame(repo, ['rev-parse', '--verify', 'no-such-branch^{commit}']);
    expect(refused.ok).toBe(false);
    expect((refused as { error: GitError }).error.message).toMatch(/failed \(exit 128\) in .*: fatal: /);
    const allowed = await expectSame(repo, ['rev-parse', '--verify', 'nope'], { allowExitCodes: [128] });
    expect(allowed).toMatchObject({ ok: true, value: { exitCode: 128, stdout: '' } });
    expect((allowed as { value: { stderr: string } }).value.stderr).toMatch(/^fatal: /);
    expect(await expectSame(repo, ['diff', '--quiet'], { allowExitCodes: [1] })).toMatchObject({
      value: { exitCode: 1 },
    });
    expect((await expectSame(repo, ['diff', '--quiet'])).ok).toBe(false);
    const missing = await expectSame(join(repo, 'no-such-dir'), ['status']);
    expect((missing as { error: GitError }).error.message).toContain('could not run in');
    // A file where a directory should be: the direct spawn's own error, unchanged.
    await expectSame(join(repo, 'a.txt'), ['status']);
  });

  it('passes arguments with quotes, newlines, $, backticks and globs unchanged', async () => {
    const repo = await gitRepo();
    const args = [
      "it's",
      "'",
      "'\\''",
      'two\nlines',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, meant literally
      '$HOME ${PATH} $(id) `id`',
      '*',
      '~',
      ';|&<>',
      'back\\slash',
      '',
      ' spaced ',
      '-n',
      'naïve ünïcødé ✓',
    ];
    const result = await expectSame(repo, ['rev-parse', '--sq-quote', ...args]);
    expect(result.ok).toBe(true);
    const expected = ` ${args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')}\n`;
    expect((result as { value: { stdout: string } }).value.stdout).toBe(expected);
  });

  it('gives git its input (and /dev/null without input), never the commands on the shell stdin', async () => {
    const repo = await gitRepo();
    for (const input of [
      '',
      'no newline',
      "quote ' and\nnewline\n",
      '-n %s \\n',
      'x'.repeat(200_000),
      '\u0000nul',
    ]) {
      const result = await expectSame(repo, ['hash-object', '--stdin'], { input });
      expect(result.ok).toBe(true);
    }
    // Without input git reads /dev/null, not the rest of the shell's own stdin.
    const empty = await expectSame(repo, ['hash-object', '--stdin']);
    expect((empty as { value: { stdout: string } }).value.stdout).toBe(
      'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\n',
    );
  });

  it('sets and removes variables per call; git sees the environment a direct spawn gives it', async () => {
    const repo = await gitRepo();
    const dump = ['-c', 'alias.dump=!env', 'dump'];
    const lines = (settled: Settled) =>
      (settled as { value: { stdout: string } }).value.stdout
        .split('\n')
        // The shell's working directory is git's; a direct spawn passes this process's PWD on.
        .filter((line) => line !== '' && !/^(PWD|OLDPWD)=/.test(line))
        .sort();
    const options = { env: { MILESTONE_TEST_SET: "it's $x\n`y`", GIT_EDITOR: undefined } };
    const { direct, pooled } = await bothWays(repo, dump, options);
    expect(lines(pooled)).toEqual(lines(direct));
    expect(lines(pooled)).toContain("MILESTONE_TEST_SET=it's $x");
    expect(lines(pooled).some((line) => line.startsWith('GIT_EDITOR='))).toBe(false);
    expect(lines(pooled)).toContain('GIT_TERMINAL_PROMPT=0');
  });

  it('starts new shells when the environment changes (HOME here)', async () => {
    const repo = await gitRepo();
    const home = ['-c', 'alias.home=!printf %s "$HOME"', 'home'];
    const before = process.env.HOME;
    const first = tempDir();
    const second = tempDir();
    try {
      process.env.HOME = first;
      expect((await gitExec(repo, home)).stdout).toBe(first);
      const oldShells = gitShellPool().pids();
      process.env.HOME = second;
      expect((await gitExec(repo, home)).stdout).toBe(second);
      expect(await allGone(oldShells)).toBe(true);
    } finally {
      process.env.HOME = before;
    }
  });

  it('answers many concurrent calls, each with its own output', async () => {
    const repo = await gitRepo();
    const inputs = Array.from({ length: 60 }, (_, i) => `content ${i}\n`);
    const pooled = await Promise.all(
      inputs.map((input) => gitExec(repo, ['hash-object', '--stdin'], { input })),
    );
    process.env.MILESTONE_GIT_SPAWN = 'direct';
    const direct = await Promise.all(
      inputs.map((input) => gitExec(repo, ['hash-object', '--stdin'], { input })),
    );
    expect(pooled).toEqual(direct);
    expect(new Set(pooled.map((r) => r.stdout)).size).toBe(60);
  });

  it('grows up to its cap of shells and queues the calls beyond it', async () => {
    const repo = await gitRepo();
    const env = gitEnv();
    const pool = new ShellPool({ env: () => env, maxShells: 3 });
    const parents = Array.from({ length: 20 }, () => pool.run({ cwd: repo, args: GIT_PARENT }));
    expect(pool.pids()).toHaveLength(3);
    const shells = new Set(
      (await Promise.all(parents)).map((outcome) => (outcome.ran ? Number(outcome.stdout.toString()) : 0)),
    );
    expect([...shells].sort()).toEqual(pool.pids().sort());
    await pool.close();
    expect(pool.pids()).toEqual([]);
  });

  it('adds many worktrees of one repository at once without the race of concurrent `worktree add`', async () => {
    for (let round = 0; round < 4; round++) {
      const repo = await gitRepo();
      const head = await git(repo, 'rev-parse', 'HEAD');
      const slots = tempDir();
      const adds = Array.from({ length: 8 }, (_, i) =>
        gitExec(repo, ['worktree', 'add', '-f', '--detach', '--quiet', join(slots, `slot-${i}`), head]),
      );
      expect((await Promise.allSettled(adds)).filter((add) => add.status === 'rejected')).toEqual([]);
    }
  });

  it('says killed by SIGKILL when git dies by a signal', async () => {
    const repo = await gitRepo();
    const failure = await gitExec(repo, ['-c', 'alias.die=!kill -9 $PPID', 'die']).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).message).toContain('failed (exit 137: killed by SIGKILL, or exited so)');
  });

  it('rejects the call of a shell killed mid-call, and the next call starts a fresh shell', async () => {
    const repo = await gitRepo();
    const fifo = join(tempDir(), 'started');
    expect((await runFile('mkfifo', [fifo], repo)).code).toBe(0);
    const hang = [
      '-c',
      `alias.hang=!echo $PPID $(awk '{print $4}' /proc/$PPID/stat) > "$STARTED"; exec sleep 600`,
      'hang',
    ];
    const call = gitExec(repo, hang, { env: { STARTED: fifo } }).catch((e: unknown) => e);
    const [gitPid, shell] = (await readFile(fifo, 'utf8')).trim().split(' ').map(Number) as [number, number];
    expect(gitShellPool().pids()).toContain(shell);
    process.kill(shell, 'SIGKILL');
    const failure = await call;
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).message).toMatch(
      /^git -c .* hang could not finish in .*: the shell running git \(pid \d+\) was killed by SIGKILL before git finished$/,
    );
    expect(((failure as GitError).cause as Error).message).toContain('was killed by SIGKILL');
    expect(gitShellPool().pids()).not.toContain(shell);
    // The git the dead shell started (and its alias's sleep) ended with it.
    expect(await allGone([gitPid])).toBe(true);
    expect((await gitExec(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).stdout).toBe('main\n');
  });

  it('refuses a NUL byte in an argument as a direct spawn does', async () => {
    const repo = await gitRepo();
    const { direct, pooled } = await bothWays(repo, ['log', 'a\u0000b']);
    expect(pooled.ok || direct.ok).toBe(false);
    expect((pooled as { error: Error }).error.message).toBe((direct as { error: Error }).error.message);
  });
});

describe('the shell pool and the life of its program', () => {
  it('does not hold a program open: a script that used gitExec exits on its own, its shells with it', async () => {
    const repo = await gitRepo();
    const script = join(tempDir(), 'uses-git.mjs');
    writeFileSync(
      script,
      `import { readFileSync } from 'node:fs';
import { gitExec, gitShellPool } from ${JSON.stringify(DIST_GIT_EXEC)};
const results = await Promise.all(Array.from({ length: 12 }, () => gitExec(process.argv[2], ['rev-parse', 'HEAD'])));
const shells = gitShellPool().pids();
const alive = (pid) => { try { return !/^\\d+ \\(.*\\) Z /.test(readFileSync('/proc/' + pid + '/stat', 'utf8')); } catch { return false; } };
process.on('exit', () => console.log(JSON.stringify({ heads: new Set(results.map((r) => r.stdout)).size, shells, aliveAtExit: shells.filter(alive) })));
`,
    );
    const run = await runFile(process.execPath, [script, repo], repo);
    expect(run.code).toBe(0);
    const { heads, shells, aliveAtExit } = JSON.parse(run.stdout) as {
      heads: number;
      shells: number[];
      aliveAtExit: number[];
    };
    expect(heads).toBe(1);
    expect(shells.length).toBeGreaterThan(0);
    // The program ended its shells and waited for them (so their CPU counts in its own).
    expect(aliveAtExit).toEqual([]);
  });

  it('leaves no shell behind when its program is killed with SIGKILL', async () => {
    const repo = await gitRepo();
    const script = join(tempDir(), 'holds-pool.mjs');
    writeFileSync(
      script,
      `import { gitExec, gitShellPool } from ${JSON.stringify(DIST_GIT_EXEC)};
await Promise.all(Array.from({ length: 6 }, () => gitExec(process.argv[2], ['rev-parse', 'HEAD'])));
console.log(JSON.stringify(gitShellPool().pids()));
setInterval(() => {}, 60_000);
`,
    );
    const child = spawn(process.execPath, [script, repo], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((done) => child.once('exit', done));
    let out = '';
    const shells = await new Promise<number[]>((done, fail) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) done(JSON.parse(out) as number[]);
      });
      child.once('exit', (code) => fail(new Error(`exited early with ${code}`)));
    });
    expect(shells.length).toBeGreaterThan(0);
    expect(shells.every(alive)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(await allGone(shells)).toBe(true);
    expect(existsSync(`/proc/${child.pid}`) && alive(child.pid!)).toBe(false);
  });
});
