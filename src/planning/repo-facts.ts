import { GitError } from '../git/git-error.js';
import { gitExec } from '../git/git-exec.js';
import { lsFiles } from '../git/repo.js';

/**
 * What the planning analysers know about the repository: plain data gathered once by
 * {@link gatherRepoFacts}, so the analysers stay pure and tests can build it in memory.
 */
export interface RepoFacts {
  /** Tracked files (`git ls-files`), relative to the repository root, `/`-separated. */
  files: string[];
  /** Commits touching each path among the recent history (see {@link RepoFactsOptions}); absent means 0. */
  churn: Map<string, number>;
}

/** How much history {@link gatherRepoFacts} reads for churn. */
export interface RepoFactsOptions {
  /** Most recent commits reachable from HEAD to count; default {@link DEFAULT_CHURN_COMMITS}. */
  churnCommits?: number;
  /** Only commits of the last this many days, as well; default: no age limit. */
  churnSinceDays?: number;
  signal?: AbortSignal;
}

/** Recent enough to say what is hot now, small enough to read in one quick `git log`. */
export const DEFAULT_CHURN_COMMITS = 200;

/**
 * Reads the facts of the working tree whose top level is `repoRoot` (paths are relative to the
 * directory git runs in, and plan globs to the top level) with two git processes, one after the
 * other: `ls-files -z` and one `git log -z --name-only --format=` (every path of every commit,
 * NUL-separated, no quoting). One after the other, both run through one pooled shell: starting
 * a second costs this process's main thread ~12 ms, more than the overlap gains (`plan` reads
 * the facts while it parses the plan). A repository without commits has no churn.
 */
export async function gatherRepoFacts(repoRoot: string, options: RepoFactsOptions = {}): Promise<RepoFacts> {
  const files = await lsFiles(repoRoot);
  const churn = await recentChurn(repoRoot, options);
  return { files, churn };
}

async function recentChurn(repoRoot: string, options: RepoFactsOptions): Promise<Map<string, number>> {
  const commits = options.churnCommits ?? DEFAULT_CHURN_COMMITS;
  const args = ['log', '-z', '--name-only', '--format=', '--no-renames', `--max-count=${commits}`];
  if (options.churnSinceDays !== undefined) args.push(`--since=${options.churnSinceDays}.days.ago`);
  args.push('HEAD', '--');
  const gitOptions = { allowExitCodes: [128], ...(options.signal && { signal: options.signal }) };
  const { stdout, exitCode, stderr } = await gitExec(repoRoot, args, gitOptions);
  const churn = new Map<string, number>();
  if (exitCode !== 0) {
    // 128 is also git's answer for a broken repository: only an unborn HEAD means "no history".
    const head = await gitExec(repoRoot, ['rev-parse', '--verify', '--quiet', 'HEAD'], {
      allowExitCodes: [1],
    });
    if (head.exitCode === 0) {
      throw new GitError(
        `git log failed (exit ${exitCode}) in ${repoRoot}: ${stderr}`,
        args,
        repoRoot,
        exitCode,
        stderr,
      );
    }
    return churn;
  }
  // A path appears at most once per commit, so counting occurrences counts commits.
  for (const path of stdout.split('\0')) {
    if (path !== '') churn.set(path, (churn.get(path) ?? 0) + 1);
  }
  return churn;
}
