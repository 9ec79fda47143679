import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Environment that changes where git keeps refs or which repository it reads: with any set,
 * only git answers.
 */
const REF_ENV = ['GIT_DIR', 'GIT_COMMON_DIR', 'GIT_WORK_TREE', 'GIT_NAMESPACE', 'GIT_CONFIG_PARAMETERS'];

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})\n?$/;

/**
 * The `.git` folder of a plain repository whose refs are files git answers from as read here:
 * `<root>/.git` a directory (not a linked worktree's or submodule's `.git` file), no ref
 * storage other than files (`extensions.refStorage`, a `reftable/` folder), no environment that
 * moves refs. `null` otherwise.
 */
function refsFolder(root: string, env: NodeJS.ProcessEnv): string | null {
  if (REF_ENV.some((name) => env[name] !== undefined)) return null;
  const gitDir = join(root, '.git');
  try {
    if (!lstatSync(gitDir).isDirectory()) return null;
    if (lstatSync(join(gitDir, 'reftable'), { throwIfNoEntry: false })) return null;
    if (/refstorage/i.test(readFileSync(join(gitDir, 'config'), 'utf8'))) return null;
    return gitDir;
  } catch {
    return null;
  }
}

/**
 * What `git symbolic-ref --quiet HEAD` answers in the main worktree at `root`, read from
 * `.git/HEAD` without starting git (as `currentBranch` returns it): the branch checked out
 * (`refs/heads/` cut off; another ref as it is), `null` for a detached HEAD, `undefined` where
 * only git can answer (see `refsFolder`; a HEAD of any other shape).
 */
export function headBranchFromFiles(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null | undefined {
  const gitDir = refsFolder(root, env);
  if (gitDir === null) return undefined;
  let head: string;
  try {
    head = readFileSync(join(gitDir, 'HEAD'), 'utf8');
  } catch {
    return undefined;
  }
  if (OBJECT_ID.test(head)) return null;
  const ref = /^ref: (refs\/[^\s]+)\n?$/.exec(head)?.[1];
  if (ref === undefined) return undefined;
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

/**
 * Whether `git rev-parse --verify refs/heads/<branch>` finds the branch in the main worktree at
 * `root`, read from the loose ref file or `packed-refs` without starting git; `undefined` where
 * only git can answer (see `refsFolder`; a symbolic ref, a name with `..`, an unreadable file).
 */
export function branchExistsInFiles(
  root: string,
  branch: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean | undefined {
  const tip = branchTipFromFiles(root, branch, env);
  return tip === undefined ? undefined : tip !== null;
}

/**
 * What `git rev-parse --verify --quiet refs/heads/<branch>` answers in the main worktree at
 * `root` (the branch's object id, `null` for no such branch), read as `branchExistsInFiles`
 * reads; `undefined` where only git can answer.
 */
export function branchTipFromFiles(
  root: string,
  branch: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null | undefined {
  if (
    branch === '' ||
    branch.includes('..') ||
    branch.startsWith('/') ||
    /[\x00-\x20\x7f\\~^:?*[]/.test(branch)
  ) {
    return undefined;
  }
  const gitDir = refsFolder(root, env);
  if (gitDir === null) return undefined;
  const ref = `refs/heads/${branch}`;
  // Loose file first, then packed-refs, as git reads: safe against a concurrent `git pack-refs`
  // (git gc --auto) and updates. A loose file always holds the newest tip; pack-refs renames the
  // new packed-refs into place before it deletes the loose file, and a delete rewrites packed-refs
  // before it deletes the loose file. So a loose file gone by our first read is already in the
  // packed-refs we read next, and no answer is older than the tip at the first read.
  // The other order answered stale tips under a pack-refs loop (test/git/ref-files.test.ts).
  try {
    const loose = readFileSync(join(gitDir, ref), 'utf8');
    return OBJECT_ID.test(loose) ? loose.trim() : undefined;
  } catch (error) {
    // No such file, or a folder of that name (`milestone/` holding `milestone/a`): not a loose ref.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') return undefined;
  }
  let packed: string;
  try {
    packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
  for (const line of packed.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1) === ref && OBJECT_ID.test(line.slice(0, space)))
      return line.slice(0, space);
  }
  return null;
}
