import { ExitError, UsageError } from '../errors.js';
import { runProcess } from '../process/run-process.js';
import { findExecutable } from '../process/which.js';

/** Where `gh` runs and how long each call may take. */
export interface GhContext {
  cwd: string;
  /** Merged over `process.env` for `gh` (PATH decides which `gh` is found). */
  env: Record<string, string | undefined>;
  timeoutMs: number;
}

const MANUAL = (branch: string) =>
  `or push with \`git push -u origin ${branch}\` and open the pull request by hand`;

/**
 * The GitHub CLI, found and logged in; otherwise a usage error (exit 2, nothing pushed) that
 * says what to install or run.
 */
export async function readyGh(context: GhContext, branch: string): Promise<string> {
  const gh = findExecutable('gh', { pathEnv: context.env.PATH ?? process.env.PATH, cwd: context.cwd });
  if (!gh) {
    throw new UsageError(
      'MILESTONE_NO_GH',
      `cannot open a pull request: the GitHub CLI \`gh\` is not installed (https://cli.github.com); install it and run \`gh auth login\`, ${MANUAL(branch)}. Nothing was pushed.`,
    );
  }
  const auth = await runGh(gh, ['auth', 'status'], context);
  if (auth.exitCode !== 0) {
    const why = auth.timedOut
      ? `\`gh auth status\` did not answer within ${Math.round(context.timeoutMs / 1000)}s`
      : '`gh` is not logged in';
    throw new UsageError(
      'MILESTONE_GH_AUTH',
      `cannot open a pull request: ${why}; run \`gh auth login\`, ${MANUAL(branch)}. Nothing was pushed.`,
    );
  }
  return gh;
}

/** `gh pr create`; returns the pull request's URL (the last line `gh` prints). */
export async function createPullRequest(
  gh: string,
  request: { base: string; head: string; title: string; body: string },
  context: GhContext,
): Promise<string> {
  const args = ['pr', 'create', '--base', request.base, '--head', request.head];
  // The body on stdin: no argv length limit, and nothing of it in the process list.
  args.push('--title', request.title, '--body-file', '-');
  const result = await runGh(gh, args, context, request.body);
  const url =
    result.lines
      .filter((line) => line.trim())
      .at(-1)
      ?.trim() ?? '';
  if (result.exitCode !== 0 || !url) {
    const why = result.timedOut
      ? `timed out after ${Math.round(context.timeoutMs / 1000)}s`
      : result.stderr || `exit ${result.exitCode}`;
    throw new ExitError(
      'MILESTONE_PR_FAILED',
      `the branch ${request.head} was pushed, but \`gh pr create\` failed: ${why}. Open the pull request by hand, or run finish --pr again.`,
    );
  }
  return url;
}

async function runGh(
  gh: string,
  args: string[],
  context: GhContext,
  input?: string,
): Promise<{ exitCode: number | null; timedOut: boolean; lines: string[]; stderr: string }> {
  const lines: string[] = [];
  const result = await runProcess({
    file: gh,
    args,
    cwd: context.cwd,
    env: { ...context.env, GH_PROMPT_DISABLED: '1' },
    timeoutMs: context.timeoutMs,
    graceMs: 2000,
    ...(input !== undefined && { input }),
    onStdoutLine: (line) => lines.push(line),
  });
  return {
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    lines,
    stderr: result.stderrTail.trim().split('\n').slice(-3).join(' '),
  };
}
