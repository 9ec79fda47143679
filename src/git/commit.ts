import { InternalError } from '../errors.js';
import { gitExec } from './git-exec.js';
import { identityArgs } from './identity.js';
import { assertRevision } from './ref-names.js';

/** Trailer keys: git's token syntax, and nothing a `%(trailers:key=...)` format could misread. */
const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

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
 * first; e.g. the `Task-Id`s a worker's commit carries since its start point.
 */
export async function trailerValues(
  cwd: string,
  ref: string,
  key: string,
  options: { since?: string } = {},
): Promise<string[]> {
  if (!TRAILER_KEY.test(key)) throw new InternalError(`invalid trailer key ${JSON.stringify(key)}`);
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
