import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { EXIT, ExitError } from '../errors.js';
import { assertBranchName, gitExec, pushBranch, revParse, updateRefCas } from '../git/git.js';
import type { GhContext } from '../git/github.js';
import { createPullRequest } from '../git/github.js';
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
  /** The `gh` found and logged in (`readyGh`), and where and how long it may run. */
  gh: string;
  context: GhContext;
  pushTimeoutMs: number;
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
    const pushed = await pushBranch(root, 'origin', spec.head, {
      timeoutMs: options.pushTimeoutMs,
      env: options.context.env,
    });
    if (!pushed.ok) {
      throw new ExitError(
        'MILESTONE_PUSH_FAILED',
        `git push of ${spec.head} to origin ${pushed.timedOut ? 'timed out' : 'failed'}${pushed.message ? `: ${pushed.message}` : ''}; ${urls.length ? `opened so far: ${urls.join(' ')}` : 'no pull request was opened'}`,
        EXIT.usage,
      );
    }
    const url = await createPullRequest(options.gh, spec, options.context);
    urls.push(url);
  }
  return urls;
}
