import { randomBytes } from 'node:crypto';
import { assertBranchName, milestoneBranch, taskBranch } from '../git/ref-names.js';

/**
 * The branch a worker pushes one attempt to: `milestone/<id>.tasks/<task>.a<attempt>-<token>`.
 * One per run of a job (a stalled job re-run elsewhere gets a new token), so no push ever
 * needs force; ids never contain ".", so it cannot be another task's branch.
 */
export function attemptBranch(milestoneId: string, taskId: string, attempt: number, token: string): string {
  if (!/^[a-z0-9]{4,16}$/.test(token)) throw new Error(`invalid attempt token ${JSON.stringify(token)}`);
  return assertBranchName(`${taskBranch(milestoneId, taskId)}.a${attempt}-${token}`);
}

/** A fresh token for one run of a job. */
export function attemptToken(): string {
  return randomBytes(4).toString('hex');
}

/**
 * True when `ref` is one of the milestone's task refs (`refs/heads/milestone/<id>.tasks/...`):
 * the only refs a worker pushes, and the only ones a coordinator fetches from a result.
 */
export function isTaskRef(milestoneId: string, ref: string): boolean {
  const prefix = `refs/heads/${milestoneBranch(milestoneId)}.tasks/`;
  if (!ref.startsWith(prefix)) return false;
  const rest = ref.slice(prefix.length);
  return /^[a-z0-9][a-z0-9-]{0,62}\.a\d+-[a-z0-9]{4,16}$/.test(rest);
}
