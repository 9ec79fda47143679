import type { Config } from '../config/config.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { gitExec } from '../git/git.js';
import { commitFilesOnto, trailerBlock } from './landing.js';
import { runTrailer, TRAILER } from './naming.js';
import { phaseRecordFiles } from './phase-record.js';

/** The phase commit's message: the configured template, the phase's tasks, the trailers. */
export function phaseCommitMessage(state: MilestoneState, phase: Phase, config: Config): string {
  const subject = config.commit.messages[phase]
    .replaceAll('{title}', state.title)
    .replaceAll('{id}', state.id);
  const tasks = state.plan.tasks.filter((t) => t.phase === phase);
  const body = tasks.map((t) => `- ${t.id}: ${t.title}`).join('\n');
  // A squash keeps every task's Task-Id trailer, so landing stays idempotent after it.
  const squashed =
    config.commit.strategy === 'phase' ? tasks.map((t) => `\n${TRAILER.task}: ${t.id}`).join('') : '';
  return `${subject}\n\n${body}\n\n${trailerBlock({ [TRAILER.milestone]: state.id, [TRAILER.phase]: phase, ...runTrailer(state.runId) })}${squashed}\n`;
}

/**
 * Where a phase's work starts on the milestone branch: the previous phase commit, else the
 * commit the branch was cut from (commit strategy `phase` squashes everything after it).
 */
async function phaseStart(repoRoot: string, state: MilestoneState, phase: Phase): Promise<string> {
  const earlier = PHASES.slice(0, PHASES.indexOf(phase)).reverse();
  const previous = earlier.map((p) => state.phaseCommits[p]).find(Boolean);
  if (previous) return previous;
  const { stdout } = await gitExec(repoRoot, [
    'merge-base',
    `refs/heads/${state.base}`,
    `refs/heads/${state.branch}`,
  ]);
  return stdout.trim();
}

/**
 * Makes the phase commit: the phase's record under `.milestones/<id>/`, with a phase trailer,
 * on the milestone branch without a checkout. With commit strategy `phase` it is also the squash
 * of the phase's task commits: the branch moves (compare-and-swap) from the last task merge to
 * one commit on top of the previous phase. Returns the new head.
 */
export async function commitPhase(input: {
  repoRoot: string;
  state: MilestoneState;
  phase: Phase;
  config: Config;
}): Promise<string> {
  const { repoRoot, state, phase, config } = input;
  const files = await phaseRecordFiles(repoRoot, state, phase);
  const parent = config.commit.strategy === 'phase' ? await phaseStart(repoRoot, state, phase) : undefined;
  return commitFilesOnto(
    repoRoot,
    state.branch,
    files,
    phaseCommitMessage(state, phase, config),
    parent ? { parent } : {},
  );
}
