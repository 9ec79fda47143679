import { spawn } from 'node:child_process';
import type { CliResult } from './git-repo.js';
import { CLI, GIT_ENV } from './git-repo.js';

/** Runs a program without blocking the test worker; resolves when it exits. */
export function runAsync(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd,
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', npm_config_loglevel: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The built `milestone` CLI, run asynchronously in `cwd`. */
export function milestoneAsync(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return runAsync(process.execPath, [CLI, ...args], cwd, env);
}
