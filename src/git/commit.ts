import { gitExec } from './git-exec.js';
import { identityArgs } from './identity.js';
import { assertRevision } from './ref-names.js';

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
