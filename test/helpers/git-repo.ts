import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach } from 'vitest';

/** Identity for commits made in test repositories, independent of the machine's git config. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

const cleanups: string[] = [];
afterEach(() => {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh private temporary directory, removed after the test. */
export function tempDir(prefix = 'milestone-test-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  cleanups.push(dir);
  return dir;
}

/** Writes files (relative path -> content) under `root`, creating folders. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

/**
 * Runs git in `cwd` and returns its trimmed stdout; throws with stderr on failure. Asynchronous:
 * a blocking child process stalls the test worker's RPC with vitest on a busy machine.
 */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await runFile('git', args, cwd, GIT_ENV);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim();
}

/**
 * A real git repository in a temporary directory with one commit of `files` on `main`.
 * Returns its absolute path.
 */
export async function gitRepo(
  options: { files?: Record<string, string>; branch?: string } = {},
): Promise<string> {
  const root = tempDir('milestone-repo-');
  await git(root, 'init', '-q', '-b', options.branch ?? 'main');
  await git(root, 'config', 'user.name', GIT_ENV.GIT_AUTHOR_NAME);
  await git(root, 'config', 'user.email', GIT_ENV.GIT_AUTHOR_EMAIL);
  writeFiles(root, { 'README.md': '# test repo\n', ...options.files });
  await git(root, 'add', '-A');
  await git(root, 'commit', '-q', '-m', 'initial');
  return root;
}

/** Absolute path of the built CLI (tests run after `npm run build`). */
export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

/** Result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `milestone` CLI as a real subprocess in `cwd`, without blocking the test worker
 * (a blocking wait starves vitest's worker RPC on a busy machine: "Timeout calling onTaskUpdate").
 */
export function milestone(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runFile(process.execPath, [CLI, ...args], cwd, { ...GIT_ENV, NO_COLOR: '1', ...env });
}

/** Gathers a child's stdout and stderr (those that are pipes) as text while it runs. */
export function collectOutput(child: ChildProcess): () => { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return () => ({ stdout, stderr });
}

/** Runs `file` to its end in `cwd` without blocking the worker's event loop; `input`, if any, is its stdin. */
export function runFile(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const output = collectOutput(child);
    child.stdin?.end(input);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, ...output() }));
  });
}

/** The built CLI started in the background: its output so far, and its exit code once it has closed. */
export type BackgroundCli = ChildProcess & {
  output: () => { stdout: string; stderr: string };
  closed: Promise<number | null>;
};

/** Starts the built `milestone` CLI in `cwd` without waiting for it (for kill, lock and while-running tests). */
export function spawnMilestone(cwd: string, args: string[], env: Record<string, string> = {}): BackgroundCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  return Object.assign(child, { output, closed });
}
