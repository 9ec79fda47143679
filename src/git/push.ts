import { runProcess } from '../process/run-process.js';
import { gitEnv } from './git-exec.js';
import { assertBranchName } from './ref-names.js';

/** How a push ended: a failure is a value with git's own words, not an exception. */
export interface PushResult {
  ok: boolean;
  timedOut: boolean;
  /** The end of git's stderr (why it refused, or where it hung). */
  message: string;
}

/**
 * `git push -u <remote> refs/heads/<branch>:refs/heads/<branch>`, never forced. It may wait on the
 * network or a credential helper, so it runs through the process module: its own process group
 * (ssh included) is stopped when `timeoutMs` passes or `signal` aborts.
 */
export async function pushBranch(
  cwd: string,
  remote: string,
  branch: string,
  options: { timeoutMs: number; signal?: AbortSignal; env?: Record<string, string | undefined> },
): Promise<PushResult> {
  assertBranchName(branch);
  if (!/^[\w.-]+$/.test(remote) || remote.startsWith('-'))
    throw new Error(`invalid remote name ${JSON.stringify(remote)}`);
  const env: Record<string, string | undefined> = { ...gitEnv(options.env) };
  // `runProcess` merges over `process.env`: variables gitEnv removed must be removed there too.
  for (const key of Object.keys(process.env)) if (!(key in env)) env[key] = undefined;
  const ref = `refs/heads/${branch}`;
  const result = await runProcess({
    file: 'git',
    args: ['push', '-u', remote, `${ref}:${ref}`],
    cwd,
    env,
    timeoutMs: options.timeoutMs,
    graceMs: 2000,
    ...(options.signal && { signal: options.signal }),
  });
  return {
    ok: result.exitCode === 0,
    timedOut: result.timedOut,
    message: result.stderrTail.trim().split('\n').slice(-3).join('\n'),
  };
}
