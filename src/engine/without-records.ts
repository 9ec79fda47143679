import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ID_PATTERN } from '../core/types.js';
import { InternalError } from '../errors.js';
import { commitTree, gitExec, revParse } from '../git/git.js';

/**
 * A commit on top of the milestone branch (not on any branch: the branch is not changed) whose
 * tree leaves out `.milestones/<id>/`, for `finish --without-records`: merging it brings the
 * milestone's code into the base without its plan and phase records. Built with a private
 * temporary index, no checkout.
 */
export async function commitWithoutRecords(repoRoot: string, branch: string, id: string): Promise<string> {
  if (!ID_PATTERN.test(id)) throw new InternalError(`unsafe id reached finish: ${JSON.stringify(id)}`);
  const head = await revParse(repoRoot, `refs/heads/${branch}`);
  if (!head) throw new InternalError(`branch ${branch} vanished`);
  const dir = mkdtempSync(join(tmpdir(), 'milestone-index-'));
  try {
    const env = { GIT_INDEX_FILE: join(dir, 'index') };
    await gitExec(repoRoot, ['read-tree', head], { env });
    await gitExec(repoRoot, ['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', `.milestones/${id}`], {
      env,
    });
    const tree = (await gitExec(repoRoot, ['write-tree'], { env })).stdout.trim();
    return await commitTree(
      repoRoot,
      tree,
      [head],
      `chore: leave the records of milestone ${id} out of the merge\n\nMilestone-Id: ${id}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
