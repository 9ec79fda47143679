import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { gitExec } from '../git/git.js';
import { planToYaml } from '../plan/serialize.js';

/**
 * The files a phase commit carries: the milestone's record (`plan.json`, `milestone.yaml`) and
 * `phases/<phase>.json` with each task's outcome and the phase's deliverables (files changed).
 */
export async function phaseRecordFiles(
  repoRoot: string,
  state: MilestoneState,
  phase: Phase,
): Promise<Record<string, string>> {
  const earlier = PHASES.slice(0, PHASES.indexOf(phase)).reverse();
  const since = earlier.map((p) => state.phaseCommits[p]).find(Boolean) ?? `refs/heads/${state.base}`;
  // Three dots: from the merge base, so files the base branch changed after the milestone
  // branched off (the base moved on) are not counted as this phase's deliverables.
  const { stdout } = await gitExec(repoRoot, [
    'diff',
    '--name-only',
    '-z',
    `${since}...refs/heads/${state.branch}`,
    '--',
  ]);
  const dir = `.milestones/${state.id}`;
  const deliverables = stdout.split('\0').filter((line) => line && !line.startsWith(`${dir}/`));
  const tasks = state.plan.tasks
    .filter((t) => t.phase === phase)
    .map((t) => {
      const task = state.tasks[t.id]!;
      return {
        id: t.id,
        title: t.title,
        status: task.status,
        attempts: task.attempts,
        agent: task.agent,
        commit: task.commit,
        startedAt: task.startedAt,
        finishedAt: task.finishedAt,
        usage: task.usage,
      };
    });
  const record = { milestone: state.id, title: state.title, phase, tasks, deliverables };
  // The planning artifacts travel with the record, as docs/contract.md says phase commits carry them.
  const planningDir = join(repoRoot, dir, 'planning');
  const planning = existsSync(planningDir)
    ? Object.fromEntries(
        readdirSync(planningDir)
          .filter((name) => name.endsWith('.json'))
          .map((name) => [`${dir}/planning/${name}`, readFileSync(join(planningDir, name), 'utf8')]),
      )
    : {};
  return {
    ...planning,
    [`${dir}/plan.json`]: `${JSON.stringify(state.plan, null, 2)}\n`,
    [`${dir}/milestone.yaml`]: planToYaml(state.plan),
    [`${dir}/phases/${phase}.json`]: `${JSON.stringify(record, null, 2)}\n`,
  };
}
