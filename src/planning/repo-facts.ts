import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitError } from '../git/git-error.js';
import { gitExec } from '../git/git-exec.js';
import { readIndex } from '../git/index-file.js';
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
 * directory git runs in, and plan globs to the top level): the tracked files from the index
 * (`git ls-files -z` where {@link trackedFromIndex} leaves it to git), and the churn from one
 * `git log -z --name-only --format=` (every path of every commit, NUL-separated, no quoting),
 * through a pooled shell, started at once. A repository without commits has no churn.
 */
export async function gatherRepoFacts(repoRoot: string, options: RepoFactsOptions = {}): Promise<RepoFacts> {
  const files = trackedFromIndex(repoRoot);
  const churn = await recentChurn(repoRoot, options);
  return { files: files ?? (await lsFiles(repoRoot)), churn };
}

/**
 * Environment that changes which repository, index or config git reads. The git this program
 * starts runs without it (`gitEnv`), but with any set git answers, as for the CLI's other reads
 * from `.git` (`ref-files.ts`).
 */
const GIT_ENV = ['GIT_DIR', 'GIT_COMMON_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_CONFIG_PARAMETERS'];

/**
 * Config under which `git ls-files` may answer otherwise than the index file says: another work
 * tree, a bare repository, included files (which may say either), any `[extensions]` (SHA-256
 * object ids, per-worktree config).
 */
const OTHER_CONFIG = /^\s*worktree\s*=|^\s*bare\s*(=\s*(true|yes|on|1)\s*)?$|^\s*\[\s*(include|extensions)/im;

/**
 * What `git ls-files -z --cached` prints at the top level of the main worktree `root`, read from
 * `.git/index` (`index-file.ts`) without a git process: every entry's path in index order. The
 * reader refuses what it does not take as git would (a conflict's stages, `git add -N` entries,
 * a split or sparse index, a bad checksum, no index yet): then, and where `.git` is not a
 * folder of this user (git's `safe.directory` check) or environment or config may change git's
 * answer, `undefined`: git answers.
 */
export function trackedFromIndex(root: string, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (GIT_ENV.some((name) => env[name] !== undefined)) return undefined;
  const gitDir = join(root, '.git');
  try {
    const stat = lstatSync(gitDir);
    if (!stat.isDirectory() || stat.uid !== process.getuid?.()) return undefined;
    if (OTHER_CONFIG.test(readFileSync(join(gitDir, 'config'), 'utf8'))) return undefined;
  } catch {
    return undefined;
  }
  const index = readIndex(join(gitDir, 'index'), 20);
  if ('problem' in index) return undefined;
  // The reader's paths are latin1 strings of the bytes; git prints the bytes, read as UTF-8.
  return index.paths.map((path) =>
    /[^\x00-\x7f]/.test(path) ? Buffer.from(path, 'latin1').toString('utf8') : path,
  );
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
