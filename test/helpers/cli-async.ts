import { execFile } from 'node:child_process';
import type { CliResult } from './git-repo.js';
import { CLI, GIT_ENV } from './git-repo.js';

/** Runs the built CLI without blocking the test worker; resolves with its exit code and output. */
export function milestoneAsync(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
