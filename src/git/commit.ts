import { InternalError } from '../errors.js';
import { gitExec } from './git-exec.js';
import { identityArgs } from './identity.js';
import { assertRevision } from './ref-names.js';

/** Trailer keys: git's token syntax, and nothing a `%(trailers:key=...)` format could misread. */
const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

function assertTrailer(key: string, value?: string): void {
  if (!TRAILER_KEY.test(key)) throw new InternalError(`invalid trailer key ${JSON.stringify(key)}`);
  if (value !== undefined && (value.trim() === '' || /[\r\n]/.test(value))) {
    throw new InternalError(`invalid value for trailer ${key}: ${JSON.stringify(value)}`);
  }
}

/**
 * Stages everything in `worktree` (`add -A`, ignored files excepted) and commits it with
 * `message` and `Key: value` trailers. Returns the new commit, or `null` when nothing changed.
 * Hooks are skipped unless `hooks` is set: the task's `verify` command is the quality gate,
 * and a hook waiting for input would hang a headless run.
 */
export async function commitAll(
  worktree: string,
  message: string,
  trailers: Record<string, string>,
  options: { hooks?: boolean } = {},
): Promise<string | null> {
  if (message.trim() === '') throw new InternalError('commit message is empty');
  const trailerArgs = Object.entries(trailers).flatMap(([key, value]) => {
    assertTrailer(key, value);
    return ['--trailer', `${key}: ${value}`];
  });
  await gitExec(worktree, ['add', '-A']);
  const staged = await gitExec(worktree, ['diff', '--cached', '--quiet'], { allowExitCodes: [1] });
  if (staged.exitCode === 0) return null;
  const args = [...(await identityArgs(worktree)), 'commit', '--quiet', '--cleanup=whitespace', '-F', '-'];
  if (!options.hooks) args.push('--no-verify');
  await gitExec(worktree, [...args, ...trailerArgs], { input: message });
  return (await gitExec(worktree, ['rev-parse', 'HEAD'])).stdout.trim();
}

/** Writes a commit of `tree` with `parents` (no branch moves) and returns its id. */
export async function commitTree(
  cwd: string,
  tree: string,
  parents: readonly string[],
  message: string,
): Promise<string> {
  assertRevision(tree, 'tree');
  const parentArgs = parents.flatMap((parent) => ['-p', assertRevision(parent, 'parent')]);
  const args = [...(await identityArgs(cwd)), 'commit-tree', tree, ...parentArgs, '-F', '-'];
  return (await gitExec(cwd, args, { input: message })).stdout.trim();
}

/**
 * Values of trailer `key` on commits reachable from `ref` but not from `since`, newest
 * first; e.g. the `Task-Id`s already on the milestone branch since its base.
 */
export async function trailerValues(
  cwd: string,
  ref: string,
  key: string,
  options: { since?: string } = {},
): Promise<string[]> {
  assertTrailer(key);
  const revs = [assertRevision(ref)];
  if (options.since !== undefined) revs.push(`^${assertRevision(options.since, 'since')}`);
  const { stdout } = await gitExec(cwd, [
    'log',
    '-z',
    `--format=%(trailers:key=${key},valueonly,unfold)`,
    ...revs,
    '--',
  ]);
  return stdout
    .split(/[\0\n]/)
    .map((value) => value.trim())
    .filter((value) => value !== '');
}
