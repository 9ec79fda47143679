import { spawn } from 'node:child_process';
import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { ExitError } from '../errors.js';
import { assertBranchName, gitExec, revParse, updateRefCas } from '../git/git.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';
import { gatherPacket } from './packet-facts.js';
import { packetMarkdown } from './packet-markdown.js';

/** GitHub refuses pull request bodies over 65,536 characters. */
const BODY_LIMIT = 60_000;

/** One pull request to open. */
export interface PullRequestSpec {
  base: string;
  head: string;
  title: string;
  body: string;
  /** The local commit `head` must point at; null when `head` is the milestone branch itself. */
  commit: string | null;
}

/** Cuts a body GitHub would refuse, saying where the rest is. */
export function fitBody(body: string, id: string): string {
  if (body.length <= BODY_LIMIT) return body;
  return `${body.slice(0, BODY_LIMIT)}\n\n... (cut at ${BODY_LIMIT} characters: run \`milestone report ${id}\` for the whole packet)\n`;
}

/** Branch holding a phase's commit for a stacked pull request (beside the task branches). */
export function phaseBranch(id: string, phase: Phase): string {
  return assertBranchName(`milestone/${id}.phases/${phase}`);
}

/**
 * The stack: one pull request per phase with tasks, each based on the previous one's branch
 * (the first on the target). Phases before the last get a branch at their phase commit; the
 * last uses the milestone branch, so nothing after the last phase commit is left out. Pure.
 */
export function stackPlan(
  state: MilestoneState,
  target: string,
  bodies: Partial<Record<Phase, string>>,
): PullRequestSpec[] {
  const phases = PHASES.filter((p) => state.plan.tasks.some((t) => t.phase === p));
  const specs: PullRequestSpec[] = [];
  let base = target;
  phases.forEach((phase, index) => {
    const last = index === phases.length - 1;
    const commit = last ? null : (state.phaseCommits[phase] ?? null);
    if (!last && !commit)
      throw new ExitError(
        'MILESTONE_NO_PHASE_COMMIT',
        `phase ${phase} of ${state.id} has no phase commit to stack on`,
      );
    const head = last ? state.branch : phaseBranch(state.id, phase);
    specs.push({
      base,
      head,
      title: `${state.title}: ${phase} phase (${index + 1}/${phases.length})`,
      body: fitBody(bodies[phase] ?? '', state.id),
      commit,
    });
    base = head;
  });
  return specs;
}

/** Runs `gh` with the body on stdin (`--body-file -`: no temporary file, no argv length limit). */
function gh(cwd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('gh', args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (error) =>
      reject(
        new ExitError('MILESTONE_GH_FAILED', `gh could not start: ${error.message}`, 1, { cause: error }),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(stdout.trim());
      else
        reject(
          new ExitError(
            'MILESTONE_GH_FAILED',
            `gh ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${stderr.trim()}`,
          ),
        );
    });
    child.stdin.end(input);
  });
}

/** Points `branch` at `commit` (creating it), refusing to move a branch that holds other work. */
async function placeBranch(root: string, branch: string, commit: string): Promise<void> {
  const current = await revParse(root, `refs/heads/${branch}`);
  if (current === commit) return;
  if (current && !(await isAncestor(root, current, commit)))
    throw new ExitError(
      'MILESTONE_STACK_BRANCH',
      `branch ${branch} exists and is not behind ${commit.slice(0, 10)}; delete it or finish without --stack`,
    );
  if (!(await updateRefCas(root, branch, commit, current, 'milestone: stacked pull request')))
    throw new ExitError('MILESTONE_STACK_BRANCH', `branch ${branch} moved while finishing; try again`);
}

async function isAncestor(root: string, a: string, b: string): Promise<boolean> {
  const { exitCode } = await gitExec(root, ['merge-base', '--is-ancestor', a, b], { allowExitCodes: [1] });
  return exitCode === 0;
}

/**
 * `finish --pr`: pushes (never forced) and opens one pull request whose body is the review
 * packet, or with `stack` one per phase, each based on the previous. Returns the URLs in order.
 */
export async function openPullRequests(options: {
  workspace: Workspace;
  store: Store;
  state: MilestoneState;
  target: string;
  stack: boolean;
}): Promise<string[]> {
  const { workspace, store, state, target } = options;
  const root = workspace.root;
  let specs: PullRequestSpec[];
  if (options.stack) {
    const bodies: Partial<Record<Phase, string>> = {};
    for (const phase of PHASES) {
      if (state.plan.tasks.some((t) => t.phase === phase))
        bodies[phase] = packetMarkdown(await gatherPacket(workspace, store, state, phase));
    }
    specs = stackPlan(state, target, bodies);
  } else {
    const body = packetMarkdown(await gatherPacket(workspace, store, state, null));
    specs = [
      { base: target, head: state.branch, title: state.title, body: fitBody(body, state.id), commit: null },
    ];
  }
  const urls: string[] = [];
  for (const spec of specs) {
    if (spec.commit) await placeBranch(root, spec.head, spec.commit);
    await gitExec(root, ['push', '-u', 'origin', `refs/heads/${spec.head}:refs/heads/${spec.head}`]);
    const url = await gh(
      root,
      ['pr', 'create', '--base', spec.base, '--head', spec.head, '--title', spec.title, '--body-file', '-'],
      spec.body,
    );
    urls.push(url);
  }
  return urls;
}
