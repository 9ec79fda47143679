import { DEFAULT_DEFAULTS, DEFAULT_WEIGHTS, type Plan, type TaskSpec } from '../../src/core/types.js';
import type { RepoFacts } from '../../src/planning/repo-facts.js';
import { git, writeFiles } from '../helpers/git-repo.js';

/** An execute-phase task with a `run`, a title that matches no path, and nothing else unless given. */
export function task(id: string, fields: Partial<TaskSpec> = {}): TaskSpec {
  return { id, title: 'Do the work', phase: 'execute', run: 'true', needs: [], files: [], ...fields };
}

/** A valid plan of `tasks` with the reference weights and defaults. */
export function planOf(tasks: TaskSpec[], fields: Partial<Plan> = {}): Plan {
  return {
    version: 1,
    id: 'sample',
    title: 'Sample milestone',
    weights: DEFAULT_WEIGHTS,
    defaults: DEFAULT_DEFAULTS,
    tasks,
    ...fields,
  };
}

/** A single-value estimate of `minutes`. */
export function minutes(value: number): NonNullable<TaskSpec['estimate']> {
  return { optimistic: value, likely: value, pessimistic: value };
}

/** Facts of a repository that has no files and no history, for graph-only rules. */
export const NO_FACTS: RepoFacts = { files: [], churn: new Map() };

/** Commits `files` (path -> content) on the current branch of `repo`. */
export async function commit(repo: string, files: Record<string, string>, message = 'change'): Promise<void> {
  writeFiles(repo, files);
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', message);
}
