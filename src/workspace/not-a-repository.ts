import { basename, dirname, join } from 'node:path';
import { gitExec } from '../git/git-exec.js';
import { shellQuote } from '../git/shell-pool.js';

/**
 * Why there is no working tree at `cwd`, with the fix that applies there (`error`: git's failure
 * to find one). `git init` is the advice only where there is no repository at all: in a bare
 * repository, inside a `.git` folder, or in a repository git refuses because another user owns
 * it (a volume mounted into a container), `git init` changes nothing and the command fails
 * again. Asked only once locating failed, so it costs the usual case nothing.
 */
export async function notARepository(cwd: string, error: unknown): Promise<string> {
  const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr) : '';
  if (/dubious ownership/i.test(stderr)) {
    const at = /repository at '([^']+)'/.exec(stderr)?.[1] ?? cwd;
    return `git refuses the repository at ${at}: another user owns it. If you trust it, run \`git config --global --add safe.directory ${shellQuote(at)}\`, or run milestone as its owner`;
  }
  const ask = (args: string[]): Promise<string> =>
    gitExec(cwd, args, { allowExitCodes: [1, 128] }).then(
      (out) => (out.exitCode === 0 ? out.stdout.trim() : ''),
      () => '',
    );
  const [bare, insideGitDir, gitDir = ''] = (
    await ask(['rev-parse', '--is-bare-repository', '--is-inside-git-dir', '--absolute-git-dir'])
  ).split('\n');
  if (bare === 'true') return bareAdvice(gitDir, ask);
  if (insideGitDir === 'true') {
    return basename(gitDir) === '.git'
      ? `${cwd} is inside the .git folder of ${dirname(gitDir)}: run milestone from its working tree (\`cd ${shellQuote(dirname(gitDir))}\`)`
      : `${cwd} is inside a git folder (${gitDir}), not a working tree: run milestone from a working tree of that repository`;
  }
  return `not inside a git repository: ${cwd} (run \`git init\` first)`;
}

/** A bare repository: its worktree on HEAD's branch (else on any branch), or a new one beside it. */
async function bareAdvice(gitDir: string, ask: (args: string[]) => Promise<string>): Promise<string> {
  const said = `${gitDir} is a bare repository (no working tree): run milestone in a worktree of it`;
  const branch = (await ask(['symbolic-ref', '-q', '--short', 'HEAD'])) || 'main';
  // milestone's own task slots are detached: only worktrees on a branch are the person's.
  const onBranch = (await ask(['worktree', 'list', '--porcelain']))
    .split('\n\n')
    .filter((entry) => /^branch /m.test(entry));
  const chosen =
    onBranch.find((entry) => entry.split('\n').includes(`branch refs/heads/${branch}`)) ?? onBranch[0];
  const path = chosen && /^worktree (.*)$/m.exec(chosen)?.[1];
  if (path) return `${said} (\`cd ${shellQuote(path)}\`)`;
  // `worktree add` needs a commit to check out (git 2.42's --orphan is newer than milestone needs).
  if (!(await ask(['rev-parse', '--verify', '-q', 'HEAD^{commit}'])))
    return `${said}; it has no commit yet: push one to it (or clone it and commit there) first`;
  const work = join(dirname(gitDir), `${basename(gitDir).replace(/\.git$/, '') || 'repository'}-work`);
  return `${said}: \`git -C ${shellQuote(gitDir)} worktree add ${shellQuote(work)} ${branch}\`, then \`cd ${shellQuote(work)}\``;
}
