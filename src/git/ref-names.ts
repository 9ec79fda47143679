import { ID_PATTERN } from '../core/types.js';
import { UsageError } from '../errors.js';

/**
 * Why `name` is not a valid branch name, or `null` when it is: the rules of
 * `git check-ref-format --branch`, checked in process so a bad name never reaches git.
 */
export function branchNameProblem(name: string): string | null {
  if (name === '') return 'is empty';
  if (name.startsWith('-')) return 'starts with "-"';
  if (name === 'HEAD' || name === '@') return `"${name}" is reserved`;
  if (/[\x00-\x20\x7f]/.test(name)) return 'contains a space or control character';
  const bad = /[~^:?*[\\]/.exec(name);
  if (bad) return `contains "${bad[0]}"`;
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'has an empty path component';
  if (name.endsWith('.')) return 'ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `has a component starting with "." ("${part}")`;
    if (part.endsWith('.lock')) return `has a component ending with ".lock" ("${part}")`;
  }
  return null;
}

/** Returns `name` if it is a valid branch name; throws a {@link UsageError} saying why not. */
export function assertBranchName(name: string, what = 'branch name'): string {
  const problem = branchNameProblem(name);
  if (problem)
    throw new UsageError('MILESTONE_BAD_BRANCH', `invalid ${what} ${JSON.stringify(name)}: it ${problem}`);
  return name;
}

/**
 * Returns `rev` if it can be passed to git as a revision (a sha, a ref, `main~2`, ...): a
 * leading `-` would be read as an option, a line break would split a stdin protocol.
 */
export function assertRevision(rev: string, what = 'revision'): string {
  if (rev === '' || rev.startsWith('-') || /[\x00-\x1f\x7f]/.test(rev)) {
    throw new UsageError('MILESTONE_BAD_REVISION', `invalid ${what} ${JSON.stringify(rev)}`);
  }
  return rev;
}

function assertId(id: string, what: string): string {
  if (!ID_PATTERN.test(id)) {
    throw new UsageError(
      'MILESTONE_BAD_ID',
      `invalid ${what} ${JSON.stringify(id)} (pattern ${ID_PATTERN.source})`,
    );
  }
  return id;
}

/** The milestone branch, `milestone/<id>`. */
export function milestoneBranch(milestoneId: string): string {
  return `milestone/${assertId(milestoneId, 'milestone id')}`;
}

/**
 * A task's branch, `milestone/<id>.tasks/<task-id>`. Not `milestone/<id>/<task-id>`: git stores
 * refs as paths, so `milestone/<id>` cannot be a branch and a folder of branches at once. Ids
 * never contain `.`, so no task branch can collide with another milestone's branch.
 */
export function taskBranch(milestoneId: string, taskId: string): string {
  return `${milestoneBranch(milestoneId)}.tasks/${assertId(taskId, 'task id')}`;
}
