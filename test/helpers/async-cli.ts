import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { ConflictAdvice } from '../../src/cli/conflict-advice.js';
import type { BackgroundCli, CliResult } from './git-repo.js';
import { CLI, GIT_ENV, git, gitRepo, runFile, spawnMilestone, tempDir, writeFiles } from './git-repo.js';

/** Runs a program to its end without blocking the test worker. */
export function runAsync(
  file: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<CliResult> {
  return runFile(file, args, options.cwd, { ...GIT_ENV, NO_COLOR: '1', ...options.env }, options.input);
}

/** `git <args>` in `cwd`; trimmed stdout, throws on a non-zero exit. */
export function gitA(cwd: string, ...args: string[]): Promise<string> {
  return git(cwd, ...args);
}

/** Runs a command line with `/bin/sh -c`, as a person pasting it would. */
export function shell(cwd: string, line: string, env: Record<string, string> = {}): Promise<CliResult> {
  return runAsync('/bin/sh', ['-c', line], { cwd, env });
}

/** A folder holding a `milestone` executable (the built CLI), for PATH. */
export function milestoneBin(): string {
  const bin = tempDir('milestone-bin-');
  writeFileSync(join(bin, 'milestone'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'milestone'), 0o755);
  return bin;
}

/** A folder with only `git` (and `sh`) in it: a PATH on which `gh` does not exist. */
export async function pathWithoutGh(): Promise<string> {
  const bin = tempDir('milestone-path-');
  const git = (await runAsync('/bin/sh', ['-c', 'command -v git'], { cwd: bin })).stdout.trim();
  symlinkSync(git, join(bin, 'git'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  return bin;
}

/** A repository with private worktree state and async helpers to run the CLI in it. */
export interface AsyncRepo {
  root: string;
  env: Record<string, string>;
  run(args: string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** Starts the CLI without waiting (to read status while it runs). */
  spawn(args: string[]): BackgroundCli;
  plan(document: Record<string, unknown>): Promise<CliResult>;
  status(id: string, cwd?: string): Promise<StatusDoc>;
  worktreesDir: string;
}

/** The fields of `status --json` these tests read. */
export interface StatusDoc {
  id: string;
  status: string;
  progress: { overall: number };
  tasks: Array<{ id: string; status: string; attempts: number; merged: boolean; reason: string | null }>;
  coordinator: { pid: number; alive: boolean | null } | null;
  conflicts: ConflictAdvice[];
  git: { branch: string; head: string | null };
}

export async function asyncRepo(files: Record<string, string> = {}): Promise<AsyncRepo> {
  const root = await gitRepo({ files });
  const stateHome = tempDir('milestone-state-');
  const env = { XDG_STATE_HOME: stateHome };
  const repo: AsyncRepo = {
    root,
    env,
    worktreesDir: join(stateHome, 'milestone', 'worktrees'),
    run: (args, options = {}) =>
      runAsync(process.execPath, [CLI, ...args], {
        cwd: options.cwd ?? root,
        env: { ...env, ...options.env },
      }),
    spawn: (args) => spawnMilestone(root, args, env),
    plan: (document) => {
      writeFiles(root, { 'plan.yaml': stringify(document) });
      return repo.run(['plan', '--from', 'plan.yaml']);
    },
    status: async (id, cwd) => {
      const result = await repo.run(['status', id, '--json'], cwd ? { cwd } : {});
      if (result.code !== 0) throw new Error(`status failed: ${result.stderr}`);
      return JSON.parse(result.stdout) as StatusDoc;
    },
  };
  return repo;
}

/**
 * How long `until` waits before it reports what it waited for. Not a speed requirement: a busy
 * 2-core machine stretches a real run of the CLI to minutes (a count of 100 ms polls, 30 s,
 * failed there while nothing was wrong); it only names a genuine hang, before the test's own
 * limit (vitest.config.ts) would report it without saying what was awaited.
 */
export const UNTIL_LIMIT_MS = 600_000;

/** Polls `check` every 100 ms until it holds; fails, naming `what`, after `UNTIL_LIMIT_MS`. */
export async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + UNTIL_LIMIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Writes an executable script. */
export function script(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Runs a program in `cwd` (positional form, quiet npm), without blocking the test worker. */
export function runIn(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return runAsync(file, args, { cwd, env: { npm_config_loglevel: 'error', ...env } });
}

/** The built `milestone` CLI, run asynchronously in `cwd`. */
export function milestoneAsync(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return runIn(process.execPath, [CLI, ...args], cwd, env);
}
