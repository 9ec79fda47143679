import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ExitError, UsageError } from '../../errors.js';
import {
  assertBranchName,
  currentBranch,
  gitExec,
  identityArgs,
  mergeInto,
  revParse,
} from '../../git/git.js';
import { openPullRequests } from '../../report/packet-pr.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';
import type { Io } from '../io.js';

const run = promisify(execFile);

export interface FinishOptions {
  cwd: string;
  io: Io;
  id?: string | undefined;
  /** Target branch; default the milestone's base. */
  into?: string | undefined;
  /** Open a pull request with `gh` instead of merging locally. */
  pr: boolean;
  /** With `pr`: one pull request per phase, each based on the previous. */
  stack?: boolean;
}

/** What `finish` did. */
export interface FinishResult {
  target: string;
  commit: string | null;
  pullRequest: string | null;
}

async function ghReady(cwd: string): Promise<string | null> {
  try {
    await run('gh', ['--version'], { cwd });
  } catch {
    return 'the GitHub CLI `gh` is not installed';
  }
  try {
    await run('gh', ['auth', 'status'], { cwd });
  } catch {
    return '`gh` is not logged in (run `gh auth login`)';
  }
  return null;
}

/**
 * Lands a completed milestone: merges `milestone/<id>` into its base (or `--into`) with a merge
 * commit, or with `--pr` pushes the branch (never forced) and opens a pull request. The only
 * command that changes the base branch; it refuses a dirty working tree.
 */
export async function finish(options: FinishOptions): Promise<FinishResult> {
  const workspace = await openWorkspace(options.cwd);
  const root = workspace.root;
  return withExistingStore(workspace, async (store) => {
    const state = resolveMilestone(store, options.id);
    if (state.status !== 'completed') {
      throw new UsageError(
        'MILESTONE_NOT_COMPLETED',
        `milestone ${state.id} is ${state.status}, not completed; run \`milestone execute ${state.id}\` first`,
      );
    }
    if (options.stack && !options.pr) throw new UsageError('MILESTONE_BAD_USAGE', '--stack needs --pr');
    const target = assertBranchName(options.into ?? state.base, '--into');
    if (!(await revParse(root, `refs/heads/${target}`)))
      throw new UsageError('MILESTONE_BAD_TARGET', `branch "${target}" does not exist`);
    const tracked = await gitExec(root, ['status', '--porcelain', '--untracked-files=no']);
    if (tracked.stdout.trim()) {
      throw new UsageError(
        'MILESTONE_DIRTY',
        `the working tree of ${root} has uncommitted changes; commit or stash them before finishing`,
      );
    }
    const message = `Merge milestone ${state.id}: ${state.title}\n\nMilestone-Id: ${state.id}\n`;
    if (options.pr) {
      const why = await ghReady(root);
      if (why)
        throw new ExitError(
          'MILESTONE_NO_GH',
          `cannot open a pull request: ${why}. Push with \`git push -u origin ${state.branch}\` and open it by hand.`,
        );
      // The review packet is the body; `--stack` opens one pull request per phase.
      const urls = await openPullRequests({ workspace, store, state, target, stack: options.stack ?? false });
      const url = urls.join(' ');
      for (const each of urls) options.io.out(`pull request: ${each}`);
      store.append(state.id, [
        { type: 'outcome', step: 'finish', ok: true, detail: { pr: url, into: target } },
      ]);
      return { target, commit: null, pullRequest: url };
    }
    let commit: string;
    if ((await currentBranch(root)) === target) {
      await dropRecordCopies(root, state.id, state.branch);
      // The target is checked out: merge through the working tree so it stays in step.
      const merged = await gitExec(
        root,
        [
          ...(await identityArgs(root)),
          'merge',
          '--no-ff',
          '-q',
          '-m',
          message,
          `refs/heads/${state.branch}`,
        ],
        { allowExitCodes: [1] },
      );
      if (merged.exitCode !== 0) {
        await gitExec(root, ['merge', '--abort'], { allowExitCodes: [128] });
        throw new ExitError(
          'MILESTONE_FINISH_CONFLICT',
          `${state.branch} does not merge cleanly into ${target}; nothing was changed. Merge it by hand.`,
        );
      }
      commit = (await revParse(root, 'HEAD'))!;
    } else {
      const merged = await mergeInto(root, { target, source: `refs/heads/${state.branch}`, message });
      if (!merged.merged) {
        throw new ExitError(
          'MILESTONE_FINISH_CONFLICT',
          `${state.branch} conflicts with ${target} in ${merged.conflicts.join(', ')}; nothing was changed`,
        );
      }
      commit = merged.commit;
    }
    store.append(state.id, [{ type: 'outcome', step: 'finish', ok: true, detail: { into: target, commit } }]);
    options.io.out(`merged ${state.branch} into ${target} as ${commit.slice(0, 10)}`);
    return { target, commit, pullRequest: null };
  });
}

/**
 * `plan` left `.milestones/<id>/` untracked in the working tree; the milestone branch carries the
 * same files, and git refuses a merge that would overwrite untracked files. Copies identical to
 * the branch's are removed (git brings them back); a copy that differs stops the finish.
 */
async function dropRecordCopies(root: string, id: string, branch: string): Promise<void> {
  const dir = `.milestones/${id}`;
  const { stdout } = await gitExec(root, ['ls-files', '-z', '--others', '--exclude-standard', '--', dir]);
  const untracked = stdout.split('\0').filter(Boolean);
  const onBranch = new Set(
    (await gitExec(root, ['ls-tree', '-r', '-z', '--name-only', `refs/heads/${branch}`, '--', dir])).stdout
      .split('\0')
      .filter(Boolean),
  );
  for (const path of untracked.filter((p) => onBranch.has(p))) {
    const theirs = (await gitExec(root, ['show', `refs/heads/${branch}:${path}`])).stdout;
    if (readFileSync(join(root, path), 'utf8') !== theirs) {
      throw new UsageError(
        'MILESTONE_DIRTY',
        `${path} differs from its copy on ${branch}; commit, move or delete it before finishing`,
      );
    }
    rmSync(join(root, path));
  }
}
