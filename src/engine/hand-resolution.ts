import { existsSync, realpathSync, rmSync } from 'node:fs';
import type { TaskSpec } from '../core/types.js';
import { commitTree, gitExec, listWorktrees, mergeTree, revParse } from '../git/git.js';
import { addingWorktree } from '../git/worktree-add-gate.js';
import { appendLogLine } from '../process/log-file.js';
import { redactSecrets } from '../process/redact-secrets.js';
import { runProcess } from '../process/run-process.js';

/**
 * Lines git writes at the start and end of a conflict. `=======` alone is left out on purpose:
 * it is also a heading underline (reStructuredText, Markdown), and a resolution that kept it
 * without the other two is not what this check is for.
 */
const MARKER_PATTERN = '^(<<<<<<<|>>>>>>>)( |$)';

/** Everything the check of a person's resolution needs. */
export interface HandResolutionRequest {
  repoRoot: string;
  /** The kept worktree of the conflicted task (it may have been deleted by the person). */
  worktree: string;
  milestoneId: string;
  /** The milestone branch head the resolution must merge into. */
  milestoneHead: string;
  /** `milestone/<id>.tasks/<task>`, where the person committed the resolution. */
  taskBranch: string;
  task: TaskSpec;
  /** The task's verify command (or the plan default), as for any attempt. */
  verify: string | undefined;
  timeoutMs: number;
  graceMs: number;
  signal: AbortSignal;
  /** The attempt log this check writes (the verify output goes there too). */
  logFile: string;
}

/** How the check went; a refusal names the files to look at, if any. */
export type HandResolution = { ok: true } | { ok: false; reason: string; files: string[] };

/**
 * Checks a conflict a person resolved by committing on the task's branch, with the same bar as
 * any attempt before it may land: the resolution is committed (no merge in progress, no
 * uncommitted edit), it merges cleanly into the milestone head, no changed file keeps a
 * conflict marker, and the task's `verify` passes on the merged tree. Everything goes to the
 * attempt log. The person's worktree is left on its branch as it was.
 */
export async function checkHandResolution(request: HandResolutionRequest): Promise<HandResolution> {
  const log = (line: string) => appendLogLine(request.logFile, line);
  const { repoRoot, worktree, taskBranch } = request;
  const tip = await revParse(repoRoot, `refs/heads/${taskBranch}`);
  log(`hand resolution of task ${request.task.id}: ${taskBranch} at ${tip}`);
  if (!tip) return refuse(log, `branch ${taskBranch} is gone`, []);
  const registered = await isWorktree(repoRoot, worktree);
  if (registered) {
    const pending = await uncommitted(worktree);
    if (pending.length > 0)
      return refuse(
        log,
        `the resolution in ${worktree} is not committed yet (git add -A && git commit)`,
        pending,
      );
  }
  const merge = await mergeTree(repoRoot, request.milestoneHead, tip);
  if (!merge.clean) {
    // Not resolved (yet): the same report as the first conflict.
    log(`merge conflict in ${merge.conflicts.join(', ')}`);
    return { ok: false, reason: `merge conflict in ${merge.conflicts.join(', ')}`, files: merge.conflicts };
  }
  const marked = await filesWithMarkers(repoRoot, request.milestoneHead, merge.tree);
  if (marked.length > 0) return refuse(log, `conflict markers remain in ${marked.join(', ')}`, marked);
  log(`merges cleanly into ${request.milestoneHead}; no conflict markers in the changed files`);
  if (request.verify) {
    const failed = await verifyMerged(request, merge.tree, tip, registered, log);
    if (failed) return refuse(log, failed, []);
  }
  log('resolution accepted');
  return { ok: true };
}

function refuse(log: (line: string) => void, reason: string, files: string[]): HandResolution {
  log(`resolution refused: ${reason}`);
  return { ok: false, reason: `resolution refused: ${reason}`, files };
}

async function isWorktree(repoRoot: string, path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const wanted = realpathSync(path);
  return (await listWorktrees(repoRoot)).some(
    (w) => !w.prunable && existsSync(w.path) && realpathSync(w.path) === wanted,
  );
}

/** Tracked paths with uncommitted changes, or an unfinished merge, in the worktree. */
async function uncommitted(worktree: string): Promise<string[]> {
  const { stdout } = await gitExec(worktree, ['status', '--porcelain', '-z', '--untracked-files=no']);
  const paths = stdout
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3));
  const merging = await gitExec(worktree, ['rev-parse', '-q', '--verify', 'MERGE_HEAD'], {
    allowExitCodes: [1],
  });
  if (merging.exitCode === 0 && paths.length === 0) return ['(merge in progress)'];
  return paths;
}

/** Files the merge changes relative to the milestone head that hold a conflict marker line. */
async function filesWithMarkers(repoRoot: string, head: string, tree: string): Promise<string[]> {
  const changed = (
    await gitExec(repoRoot, [
      'diff-tree',
      '-r',
      '-z',
      '--name-only',
      '--no-renames',
      '--diff-filter=AMT',
      head,
      tree,
    ])
  ).stdout
    .split('\0')
    .filter(Boolean);
  const marked: string[] = [];
  // Pathspecs in chunks: a resolution may touch thousands of files.
  for (let i = 0; i < changed.length; i += 200) {
    const chunk = changed.slice(i, i + 200).map((path) => `:(literal)${path}`);
    const found = await gitExec(
      repoRoot,
      ['grep', '-l', '-z', '-I', '-E', '-e', MARKER_PATTERN, tree, '--', ...chunk],
      { allowExitCodes: [1] },
    );
    for (const hit of found.stdout.split('\0').filter(Boolean)) marked.push(hit.slice(tree.length + 1));
  }
  return marked;
}

/**
 * Runs the task's verify on the tree that would land: the worktree is detached at a commit of
 * the merged tree for the run, then put back on the task's branch. A worktree the person
 * removed is added again first.
 */
async function verifyMerged(
  request: HandResolutionRequest,
  tree: string,
  tip: string,
  registered: boolean,
  log: (line: string) => void,
): Promise<string | null> {
  const { repoRoot, worktree } = request;
  const commit = await commitTree(
    repoRoot,
    tree,
    [request.milestoneHead, tip],
    `Check the resolution of task ${request.task.id}\n`,
  );
  if (registered) await gitExec(worktree, ['checkout', '-q', '--detach', commit]);
  else {
    // The folder sits under milestone's own worktree root; git refuses to add over leftovers.
    rmSync(worktree, { recursive: true, force: true });
    await gitExec(repoRoot, ['worktree', 'prune']);
    await addingWorktree(repoRoot, () =>
      gitExec(repoRoot, ['worktree', 'add', '-q', '--detach', worktree, commit]),
    );
  }
  try {
    log(redactSecrets(`verify: ${request.verify}`));
    const result = await runProcess({
      file: request.verify!,
      args: [],
      shell: true,
      cwd: worktree,
      timeoutMs: request.timeoutMs,
      graceMs: request.graceMs,
      signal: request.signal,
      logFile: request.logFile,
      env: { MILESTONE_ID: request.milestoneId, MILESTONE_TASK_ID: request.task.id },
    });
    if (result.exitCode === 0) return null;
    if (result.canceled) return 'interrupted while verifying';
    if (result.timedOut) return redactSecrets(`verify \`${request.verify}\` timed out`);
    return redactSecrets(
      `verify \`${request.verify}\` failed on the resolution (exit ${result.exitCode ?? result.signal})`,
    );
  } finally {
    await gitExec(worktree, ['checkout', '-q', '--force', request.taskBranch]);
  }
}
