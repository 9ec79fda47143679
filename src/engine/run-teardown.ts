import { join } from 'node:path';
import type { MilestoneState } from '../core/projection.js';
import { gitExec } from '../git/git.js';
import { autoMaintenance } from '../git/maintenance.js';
import type { RunHost } from './run-host.js';

/**
 * The end of a run's worktrees: the integration worktree closed, slots let go of their branches
 * and stay for the next run (extra ones are removed in the background), landed task branches
 * deleted, git's maintenance started once (it runs on after the run, its output in
 * `logs/<id>/maintenance.log` of the store). Recorded as the run's `teardown` step.
 */
export async function teardownRun(
  input: Pick<
    RunHost,
    'repoRoot' | 'branch' | 'integration' | 'pool' | 'state' | 'record' | 'storeDir' | 'milestoneId'
  >,
): Promise<void> {
  const started = performance.now();
  await input.integration.close();
  const slots = await input.pool.close();
  await deleteLandedBranches(input.repoRoot, input.branch, input.state());
  // Task commits skip git's automatic maintenance; it runs once here, on after the run ends.
  const maintenanceLog = join(input.storeDir, 'logs', input.milestoneId, 'maintenance.log');
  await autoMaintenance(input.repoRoot, { log: maintenanceLog });
  input.record({
    type: 'outcome',
    step: 'teardown',
    ok: true,
    detail: {
      durationMs: Math.round(performance.now() - started),
      kept: slots.kept,
      removing: slots.removing.length,
      maintenanceLog,
    },
  });
}

/** Task branches whose work is on the milestone branch, deleted in one git call per 100. */
async function deleteLandedBranches(repoRoot: string, branch: string, state: MilestoneState): Promise<void> {
  const prefix = `${branch}.tasks/`;
  const { stdout } = await gitExec(repoRoot, [
    'for-each-ref',
    '--format=%(refname:short)',
    `refs/heads/${prefix}`,
  ]);
  const tasks = state.tasks;
  const landed = stdout.split('\n').filter((b) => b && tasks[b.slice(prefix.length)]?.merged);
  for (let i = 0; i < landed.length; i += 100) {
    await gitExec(repoRoot, ['branch', '-D', '-q', ...landed.slice(i, i + 100)]);
  }
}
