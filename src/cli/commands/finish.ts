import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MilestoneState } from '../../core/projection.js';
import { commitWithoutRecords } from '../../engine/without-records.js';
import { ExitError, UsageError } from '../../errors.js';
import {
  assertBranchName,
  gitExec,
  identityArgs,
  listWorktrees,
  mergeInto,
  mergeTree,
  revParse,
} from '../../git/git.js';
import { requireGit } from '../../git/git-on-path.js';
import { readyGh } from '../../git/github.js';
import { shellQuote } from '../../git/shell-pool.js';
import type { Io } from '../../io/io.js';
import { openPullRequests } from '../../report/packet-pr.js';
import { cancelledAdvice } from '../../workspace/cancelled-advice.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';

export interface FinishOptions {
  cwd: string;
  io: Io;
  id?: string | undefined;
  /** Target branch; default the milestone's base. */
  into?: string | undefined;
  /** Open a pull request with `gh` instead of merging locally. */
  pr: boolean;
  /** Merged over `process.env` for `git push` and `gh` (tests put a fake `gh` on PATH). */
  env?: Record<string, string | undefined>;
  /** Time limits of the network steps of `--pr`; defaults: push 120 s, each `gh` call 60 s. */
  timeoutMs?: { push?: number; gh?: number };
  /** Keep `.milestones/<id>/` out of the merge (`--without-records`; config `commit.records: false`). */
  withoutRecords?: boolean | undefined;
  /** With `pr`: one pull request per phase, each based on the previous. */
  stack?: boolean;
}

/** What `finish` did. */
export interface FinishResult {
  target: string;
  commit: string | null;
  pullRequest: string | null;
}

/**
 * Lands a completed milestone: merges `milestone/<id>` into its base (or `--into`) with a merge
 * commit, or with `--pr` pushes the branch (never forced) and opens a pull request. The only
 * command that changes the base branch; it refuses a dirty working tree.
 */
export async function finish(options: FinishOptions): Promise<FinishResult> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const root = workspace.root;
  return withExistingStore(workspace, async (store) => {
    const state = resolveMilestone(store, options.id);
    if (state.status === 'cancelled') throw new UsageError('MILESTONE_CANCELLED', cancelledAdvice(state));
    if (state.status !== 'completed') {
      throw new UsageError(
        'MILESTONE_NOT_COMPLETED',
        `milestone ${state.id} is ${state.status}, not completed; run \`milestone execute ${state.id}\` first`,
      );
    }
    if (options.stack && !options.pr) throw new UsageError('MILESTONE_BAD_USAGE', '--stack needs --pr');
    const target = assertBranchName(options.into ?? state.base, '--into');
    if (target === state.branch || target.startsWith(`${state.branch}.tasks/`)) {
      throw new UsageError(
        'MILESTONE_BAD_TARGET',
        `--into ${target}: that is the milestone's own branch; name the branch it should land on (default: its base, ${state.base})`,
      );
    }
    if (!(await revParse(root, `refs/heads/${target}`)))
      throw new UsageError('MILESTONE_BAD_TARGET', `branch "${target}" does not exist`);
    const message = `Merge milestone ${state.id}: ${state.title}\n\nMilestone-Id: ${state.id}\n`;
    if (options.pr) {
      const env = options.env ?? {};
      const context = { cwd: root, env, timeoutMs: options.timeoutMs?.gh ?? 60_000 };
      const gh = await readyGh(context, state.branch);
      // The review packet is the body; `--stack` opens one pull request per phase.
      const urls = await openPullRequests({
        workspace,
        store,
        state,
        target,
        stack: options.stack ?? false,
        gh,
        context,
        pushTimeoutMs: options.timeoutMs?.push ?? 120_000,
      });
      const url = urls.join(' ');
      for (const each of urls) options.io.out(`pull request: ${each}`);
      store.append(state.id, [
        { type: 'outcome', step: 'finish', ok: true, detail: { pr: url, into: target } },
      ]);
      return { target, commit: null, pullRequest: url };
    }
    const withoutRecords = options.withoutRecords ?? !workspace.config.commit.records;
    // Without records: merge a commit of the branch minus `.milestones/<id>/` (the branch stays).
    const source = withoutRecords
      ? await commitWithoutRecords(root, state.branch, state.id)
      : `refs/heads/${state.branch}`;
    const commit = await mergeMilestone(root, state, target, message, source);
    store.append(state.id, [{ type: 'outcome', step: 'finish', ok: true, detail: { into: target, commit } }]);
    options.io.out(`merged ${state.branch} into ${target} as ${commit.slice(0, 10)}`);
    return { target, commit, pullRequest: null };
  });
}

/**
 * Merges the milestone branch into `target` and returns the merge commit. Everything is checked
 * before anything is touched: merge-tree first (a conflict exits 1 naming the files), then, when
 * `target` is checked out in a worktree, that worktree's uncommitted changes and the untracked
 * files the merge would overwrite (exit 2 naming them). Untracked copies identical to what the
 * merge writes (`.milestones/<id>/` left by `plan`) are set aside and put back if git fails.
 */
async function mergeMilestone(
  root: string,
  state: MilestoneState,
  target: string,
  message: string,
  source: string,
): Promise<string> {
  const preview = await mergeTree(root, `refs/heads/${target}`, source);
  if (!preview.clean) {
    throw new ExitError(
      'MILESTONE_FINISH_CONFLICT',
      `${state.branch} conflicts with ${target} in ${preview.conflicts.join(', ')}; nothing was changed. ` +
        `Merge ${target} into ${state.branch} in a worktree of your own and resolve it there, or merge by hand (\`git switch ${target} && git merge ${state.branch}\`).`,
    );
  }
  const holder = (await listWorktrees(root)).find((w) => w.branch === target && !w.prunable);
  if (!holder) {
    const merged = await mergeInto(root, { target, source, message });
    if (!merged.merged) {
      throw new ExitError(
        'MILESTONE_FINISH_CONFLICT',
        `${state.branch} conflicts with ${target} in ${merged.conflicts.join(', ')}; nothing was changed`,
      );
    }
    return merged.commit;
  }
  // The target is checked out: merge through that working tree so it stays in step.
  const dir = holder.path;
  const tracked = await gitExec(dir, ['status', '--porcelain', '--untracked-files=no']);
  if (tracked.stdout.trim()) {
    throw new UsageError(
      'MILESTONE_DIRTY',
      `the working tree of ${dir} has uncommitted changes; commit or stash them before finishing`,
    );
  }
  // A lock a killed git left (kill -9 during an earlier finish, an editor's git): git's merge
  // would write MERGE_HEAD, fail to write the index and fail to abort, leaving a merge half begun.
  const indexLock = (
    await gitExec(dir, ['rev-parse', '--path-format=absolute', '--git-path', 'index.lock'])
  ).stdout.trim();
  if (existsSync(indexLock)) {
    throw new UsageError(
      'MILESTONE_INDEX_LOCKED',
      `${indexLock} exists: a git is running in ${dir}, or one was killed there. If none is running, remove it (\`rm ${shellQuote(indexLock)}\`), then run finish again. Nothing was changed.`,
    );
  }
  const aside = await untrackedInTheWay(dir, target, preview.tree);
  if (aside.differing.length > 0) {
    throw new UsageError(
      'MILESTONE_UNTRACKED_CLASH',
      `finishing would overwrite untracked files in ${dir}: ${aside.differing.join(', ')}; move, commit or delete them, then run finish again. Nothing was changed.`,
    );
  }
  for (const path of aside.identical.keys()) rmSync(join(dir, path));
  const merged = await gitExec(
    dir,
    [...(await identityArgs(dir)), 'merge', '--no-ff', '-q', '-m', message, source],
    { allowExitCodes: [1, 128] },
  );
  if (merged.exitCode !== 0) {
    await gitExec(dir, ['merge', '--abort'], { allowExitCodes: [128] });
    for (const [path, content] of aside.identical) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    throw new ExitError(
      'MILESTONE_FINISH_FAILED',
      `git could not merge ${state.branch} into ${target} in ${dir}: ${merged.stderr || `exit ${merged.exitCode}`}; nothing was changed`,
    );
  }
  return (await revParse(dir, 'HEAD'))!;
}

/**
 * Untracked (not ignored) files in `dir` at paths the merge writes: those whose content equals
 * the merged tree's (safe to let git write again) and those that differ (the person's).
 */
async function untrackedInTheWay(
  dir: string,
  target: string,
  tree: string,
): Promise<{ identical: Map<string, Buffer>; differing: string[] }> {
  const identical = new Map<string, Buffer>();
  const differing: string[] = [];
  const untracked = (await gitExec(dir, ['ls-files', '-z', '--others', '--exclude-standard'])).stdout
    .split('\0')
    .filter(Boolean);
  if (untracked.length === 0) return { identical, differing };
  const written = new Set(
    (
      await gitExec(dir, [
        'diff-tree',
        '-r',
        '-z',
        '--name-only',
        '--no-renames',
        `refs/heads/${target}`,
        tree,
      ])
    ).stdout
      .split('\0')
      .filter(Boolean),
  );
  const format = (await gitExec(dir, ['rev-parse', '--show-object-format'])).stdout.trim();
  for (const path of untracked.filter((p) => written.has(p))) {
    const content = readFileSync(join(dir, path));
    const theirs = await gitExec(dir, ['rev-parse', '--verify', '-q', `${tree}:${path}`], {
      allowExitCodes: [1],
    });
    if (theirs.exitCode === 0 && theirs.stdout.trim() === blobId(content, format))
      identical.set(path, content);
    else differing.push(path);
  }
  return { identical, differing };
}

/** The object id git gives `content` as a blob (no process per file; binary-safe). */
function blobId(content: Buffer, format: string): string {
  const hash = createHash(format === 'sha256' ? 'sha256' : 'sha1');
  return hash.update(`blob ${content.length}\0`).update(content).digest('hex');
}
