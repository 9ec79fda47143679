import type { MilestoneState } from '../core/projection.js';
import { UsageError } from '../errors.js';
import { revParse } from '../git/git.js';

/**
 * Before a run creates `milestone/<id>` from the base: a base branch deleted or renamed since
 * planning is bad input (exit 2) with the ways out, not a git failure halfway through.
 */
export async function checkBaseBranch(root: string, state: MilestoneState): Promise<void> {
  if (await revParse(root, `refs/heads/${state.branch}`)) return;
  if (await revParse(root, `refs/heads/${state.base}`)) return;
  throw new UsageError(
    'MILESTONE_BASE_GONE',
    `the base branch "${state.base}" of milestone ${state.id} no longer exists, so ${state.branch} cannot be created from it. ` +
      `Recreate it (git branch ${state.base} <commit>), or set \`base:\` in the plan and run \`milestone plan --from ${state.source?.file ?? 'FILE'} --replace ${state.id}\``,
  );
}
