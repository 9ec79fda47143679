import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { GraphAnalysis } from '../../core/analysis.js';
import { analyzeGraph } from '../../core/analysis.js';
import type { PlanSource, Usage } from '../../core/events.js';
import type { MilestoneState } from '../../core/projection.js';
import type { Mode, Plan } from '../../core/types.js';
import { LockedError, UsageError } from '../../errors.js';
import { requireGit } from '../../git/git-on-path.js';
import { branchExistsInFiles, headBranchFromFiles } from '../../git/ref-files.js';
import { milestoneBranch } from '../../git/ref-names.js';
import { branchExists, revParse } from '../../git/refs.js';
import { currentBranch } from '../../git/repo.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import { readPlanFile } from '../../plan/load.js';
import { planToYaml } from '../../plan/serialize.js';
import { slugify } from '../../plan/slug.js';
import type { AgentPlanResult } from '../../planner/agent-plan.js';
import {
  formatPlanningSummary,
  gatherRepoFacts,
  type RepoFacts,
  runPlanningAnalyses,
  writePlanningArtifacts,
} from '../../planning/index.js';
import { type PlanningRunner, planInThisThread } from '../../planning/planning-thread.js';
import { formatAnalysis } from '../../report/analysis-text.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { flatText, writeFilesAtomic } from '../../store/atomic-files.js';
import { isPidAlive } from '../../store/pid-alive.js';
import type { Store } from '../../store/store.js';
import type { BranchChoice, Lineage } from '../../workspace/plan-lineage.js';
import { lineageForNewPlan, planSource } from '../../workspace/plan-lineage.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import type { Workspace } from '../../workspace/workspace.js';
import {
  checkMilestoneId,
  createWorkspaceStore,
  discardWorkspaceStore,
  milestoneDir,
  openWorkspace,
  storeExists,
  withNewStore,
  withStore,
} from '../../workspace/workspace.js';

export interface PlanOptions {
  cwd: string;
  io: Io;
  title?: string | undefined;
  from?: string | undefined;
  id?: string | undefined;
  mode?: string | undefined;
  agent?: string | undefined;
  json: boolean;
  /** Without `--from`: what the milestone is about, for the planner agent. */
  description?: string | undefined;
  /** Without `--from`: the planner agent (else config `planner.agent`, else the first available). */
  planner?: string | undefined;
  /** Without `--from`: the planner's attempts (else config `planner.maxAttempts`). */
  maxAttempts?: number | undefined;
  /** Stops a planner agent (SIGINT/SIGTERM do too). */
  signal?: AbortSignal | undefined;
  /**
   * Replace the stored plan of a planned, failed, paused or cancelled milestone: `true` for the
   * plan's id (or `--id`), or the id. What landed stays; the rest runs under the new plan.
   */
  replace?: string | boolean | undefined;
  /** `milestone/<id>` exists but no such milestone is recorded: keep it (`adopt`) or move it aside (`new`). */
  branch?: BranchChoice | undefined;
  /**
   * How the graph and planning analyses of the plan being stored run: by default in this thread
   * after the plan is stored; given (the CLI passes a worker thread's, `plan-command.ts`), they
   * start as soon as the plan's base is resolved and run while the plan is stored.
   */
  planning?: PlanningRunner | undefined;
}

/** Statuses whose plan `--replace` may change (a running or completed one may not). */
const REPLACEABLE = new Set(['planned', 'failed', 'paused', 'cancelled', 'executing']);

/** What `plan` stored. */
export interface PlanResult {
  plan: Plan;
  analysis: GraphAnalysis;
  dir: string;
  /** Set when a planner agent wrote the plan. */
  planner?: PlannerRecord;
}

/** Who planned a milestone without `--from`, at what cost: `.milestones/<id>/planner.json`. */
export interface PlannerRecord {
  agent: string;
  attempts: number;
  usage: Usage;
  /** Deliverables written, relative to `.milestones/<id>/`. */
  deliverables: string[];
  logs: string[];
}

/**
 * The three jobs of `milestone plan`: `import` a plan file (`--from`), `generate` one with a
 * planner agent (a title, no file), or `analyse` a stored plan again (`--id` alone).
 */
export type PlanJob = { job: 'import'; file: string } | { job: 'generate' } | { job: 'analyse'; id: string };

/** Which job the options ask for. */
export function planJob(options: Pick<PlanOptions, 'from' | 'id' | 'title'>): PlanJob {
  if (options.from) return { job: 'import', file: options.from };
  if (options.id !== undefined && options.title === undefined) return { job: 'analyse', id: options.id };
  return { job: 'generate' };
}

/**
 * `milestone plan`: imports or generates a plan, validates it, then records it (a
 * `milestone_planned` event in the store and `.milestones/<id>/plan.json` + `milestone.yaml`;
 * nothing is written when any check fails); or runs the planning analyses of a stored plan again.
 */
export async function plan(options: PlanOptions): Promise<PlanResult> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const what = planJob(options);
  if (what.job === 'import') return importPlan(workspace, options, what.file);
  if (what.job === 'analyse') return reanalyze(workspace, what.id, options);
  return planByAgent(workspace, options);
}

/** `plan --from FILE`: reads, validates and stores a plan file. */
async function importPlan(workspace: Workspace, options: PlanOptions, file: string): Promise<PlanResult> {
  const plannerOnly = [
    options.description !== undefined && '--description',
    options.planner !== undefined && '--planner',
    options.maxAttempts !== undefined && '--max-attempts',
  ].filter((flag) => flag !== false);
  if (plannerOnly.length > 0) {
    throw new UsageError(
      'MILESTONE_PLAN_OPTIONS',
      `${plannerOnly.join(', ')} ${plannerOnly.length === 1 ? 'is' : 'are'} for planning with an agent (without --from)`,
    );
  }
  const replaceId =
    typeof options.replace === 'string' ? checkMilestoneId(options.replace, '--replace') : undefined;
  if (replaceId && options.id !== undefined && options.id !== replaceId) {
    throw new UsageError(
      'MILESTONE_PLAN_OPTIONS',
      `--replace ${replaceId} and --id ${options.id} name different milestones`,
    );
  }
  if (options.replace && options.branch) {
    throw new UsageError(
      'MILESTONE_PLAN_OPTIONS',
      `--${options.branch === 'adopt' ? 'adopt' : 'new'}-branch is for a new milestone, not with --replace`,
    );
  }
  const from = resolve(options.cwd, file);
  const id = replaceId ?? options.id;
  const reads = startGitReads(workspace);
  const { parsed, text } = await readPlanFile(from, {
    ...(options.title !== undefined && { title: options.title }),
    ...(id !== undefined && { id }),
  });
  if (!parsed.plan || parsed.problems.length > 0) {
    throw new UsageError('MILESTONE_PLAN_INVALID', `invalid plan ${file}`, parsed.problems);
  }
  // The hash of the very text parsed (read once).
  const source: PlanSource | undefined =
    text === undefined ? undefined : planSource(workspace.root, from, text);
  return storePlan(workspace, parsed.plan, options, `from ${parsed.format}`, undefined, source, reads);
}

/** The git reads of `plan` that do not depend on the plan (see {@link startGitReads}). */
interface GitReads {
  /** The checked-out branch: the base when the plan names none. */
  head: Promise<string | null>;
  /** Whether `refs/heads/<head>` exists (not when the branch is unborn, nor for a detached HEAD). */
  headExists: Promise<boolean>;
  facts: Promise<RepoFacts>;
}

/**
 * Starts the git reads `plan` needs whatever the plan file says, so they run while the file is
 * read and validated instead of one after another after it. Read-only: a plan refused later has
 * changed nothing. Each is awaited where it was run before, so a failure surfaces at the same
 * point with the same message. In a plain repository the branch checked out and whether it
 * exists are read from `.git` (`ref-files.ts`: two git processes fewer), else git answers.
 */
function startGitReads(workspace: Workspace): GitReads {
  const main = workspace.worktree === workspace.root;
  const known = main ? headBranchFromFiles(workspace.root) : undefined;
  const head = known === undefined ? currentBranch(workspace.worktree) : Promise.resolve(known);
  const headExists = head.then((branch) => (branch ? baseExists(workspace, branch) : false));
  const facts = gatherRepoFacts(workspace.root);
  // Awaited later, or never when the plan is refused first: no unhandled rejection meanwhile.
  for (const read of [head, headExists, facts]) read.catch(() => undefined);
  return { head, headExists, facts };
}

/** Whether the local branch `branch` exists: from `.git` in a plain repository, else `rev-parse`. */
async function baseExists(workspace: Workspace, branch: string): Promise<boolean> {
  const known =
    workspace.worktree === workspace.root ? branchExistsInFiles(workspace.root, branch) : undefined;
  return known ?? (await revParse(workspace.root, `refs/heads/${branch}`)) !== null;
}

/** `milestone plan --from F` with the flags that identify it, for printed advice. */
function retryCommand(options: PlanOptions): string {
  const title = options.title !== undefined ? ` ${JSON.stringify(options.title)}` : '';
  const from = options.from ? ` --from ${options.from}` : '';
  const id = options.id ? ` --id ${options.id}` : '';
  return `milestone plan${title}${from}${id}`;
}

/** Why an existing milestone blocks a new plan of that id, and what to do instead. */
function existsError(id: string, status: string, options: PlanOptions): UsageError {
  // Only a plan that can still be replaced is offered `--replace` (a completed one cannot).
  const replace =
    options.from && REPLACEABLE.has(status)
      ? `\n  to replace its plan (what landed stays):  milestone plan --from ${options.from} --replace ${id}`
      : '';
  const other = `${retryCommand({ ...options, id: undefined })} --id ${id}-2`;
  return new UsageError(
    'MILESTONE_EXISTS',
    `milestone "${id}" already exists (status ${status}). Choose:${replace}\n  to delete it:  milestone rm ${id} [--branches]\n  to plan it under another id:  ${other}`,
  );
}

/**
 * Records a valid plan, imported or written by a planner agent: a `milestone_planned` event,
 * `.milestones/<id>/plan.json` + `milestone.yaml`, the planning analyses, and for a planner's
 * plan its deliverables and `planner.json`.
 */
async function storePlan(
  workspace: Workspace,
  plan: Plan,
  options: PlanOptions,
  origin: string,
  generated?: AgentPlanResult,
  source?: PlanSource,
  reads?: GitReads,
): Promise<PlanResult> {
  let planned: Plan = plan;
  if (options.agent) planned = { ...planned, defaults: { ...planned.defaults, agent: options.agent } };
  // Asked now, used after the store's check below: runs while the base is resolved.
  const branch = milestoneBranch(planned.id);
  const known =
    workspace.worktree === workspace.root ? branchExistsInFiles(workspace.root, branch) : undefined;
  const branchFound = options.replace
    ? undefined
    : known === undefined
      ? branchExists(workspace.root, branch)
      : Promise.resolve(known);
  branchFound?.catch(() => undefined);
  const base = await resolveBase(workspace, planned.base, reads);
  planned = { ...planned, base };
  const dir = milestoneDir(workspace, planned.id);
  // The graph analysis and the four planning analyses are independent of the store and
  // offline; their artifacts are what `execute` checks before it starts (the
  // planning-to-execution transition). On a runner of the caller's (a worker thread) they start
  // now and run while the plan is stored; a plan refused below discards them.
  const analysed = planned;
  const analyse = (run: PlanningRunner) =>
    run({
      plan: analysed,
      facts: reads?.facts ?? gatherRepoFacts(workspace.root),
      dir: join(dir, 'planning'),
    });
  const early = options.planning ? analyse(options.planning) : undefined;
  early?.catch(() => undefined);
  const recordFiles = () => [
    { path: join(dir, 'plan.json'), content: flatText(`${JSON.stringify(planned, null, 2)}\n`) },
    { path: join(dir, 'milestone.yaml'), content: planToYaml(planned) },
  ];
  // A new store is made from the build's template, its fsyncs on the thread pool: meanwhile
  // this thread renders the record and runs the analyses (a new store holds no milestone
  // this plan could clash with, so nothing is computed for a plan the store would refuse).
  const fresh = !storeExists(workspace);
  const hadStateFolder = existsSync(workspace.milestonesDir);
  const storeReady = fresh ? createWorkspaceStore(workspace) : undefined;
  storeReady?.catch(() => undefined);
  const record = fresh ? recordFiles() : undefined;
  const planningRun = early ?? (fresh ? analyse(planInThisThread) : undefined);
  planningRun?.catch(() => undefined);
  // Ready before the store opens (a new store, the analyses in this thread, no planner's files
  // to write first): the record and the artifacts are then written with the new store, in one
  // round of fsyncs on the thread pool (`withNewStore`).
  const ready =
    fresh && !options.planning && !generated ? [...record!, ...(await planningRun!).files] : undefined;
  let writing: Promise<void> | undefined;

  let lineage: Lineage | undefined;
  let replaced: MilestoneState | undefined;
  // One open of the store for the checks and the append (no transaction spans the git reads).
  // A new store runs this in memory (again on disk should another process create the store
  // meanwhile): nothing outside the store is written here then.
  const checkAndAppend = async (store: Store) => {
    if (!options.replace) {
      // Before anything is written: a branch left by an earlier plan needs the person's choice.
      const known = store.state(planned.id);
      if (known) throw existsError(planned.id, known.status, options);
      lineage = await lineageForNewPlan(
        workspace,
        planned.id,
        base,
        options.branch,
        retryCommand(options),
        branchFound,
      );
    }
    const existing = store.state(planned.id);
    if (existing && !options.replace) throw existsError(planned.id, existing.status, options);
    if (!existing && options.replace) {
      throw new UsageError(
        'MILESTONE_UNKNOWN',
        `--replace: no milestone "${planned.id}" to replace; plan it without --replace`,
      );
    }
    const me = { pid: process.pid, host: hostname() };
    if (existing) {
      if (!REPLACEABLE.has(existing.status)) {
        throw new UsageError(
          'MILESTONE_NOT_REPLACEABLE',
          `milestone ${existing.id} is ${existing.status}; its plan can no longer be replaced (plan a new milestone with another --id)`,
        );
      }
      // Held while the plan changes, so no execute can start on the old plan halfway.
      const claim = store.acquireLease(existing.id, me, {
        now: new Date(),
        staleAfterMs: 15_000,
        isAlive: isPidAlive,
      });
      if (!claim.acquired) {
        throw new LockedError(
          `milestone ${existing.id} is executing (pid ${claim.holder.pid} on ${claim.holder.host}); cancel it or wait before replacing its plan`,
          claim.holder,
        );
      }
      replaced = existing;
    }
    try {
      store.append(planned.id, [
        {
          type: 'milestone_planned',
          plan: planned,
          base,
          branch: `milestone/${planned.id}`,
          ...(existing
            ? {
                replaced: true,
                ...(existing.runId && { runId: existing.runId }),
                ...(existing.adoptedRuns?.length && { adoptedRuns: existing.adoptedRuns }),
              }
            : {
                ...(lineage && { runId: lineage.runId }),
                ...(lineage?.adoptedRuns.length && { adoptedRuns: lineage.adoptedRuns }),
              }),
          ...(source && { source }),
        },
        ...(options.mode && options.mode !== 'auto'
          ? [
              {
                type: 'mode_selected' as const,
                mode: options.mode as Mode,
                reason: 'requested with plan --mode',
              },
            ]
          : []),
      ]);
    } finally {
      if (existing) store.releaseLease(existing.id, me);
    }
    if (ready && !storeReady) {
      mkdirSync(join(dir, 'planning'), { recursive: true });
      writing = writeFilesAtomic(ready);
      writing.catch(() => undefined);
    }
  };
  if (storeReady) {
    try {
      await withNewStore(workspace, storeReady, checkAndAppend, ready);
    } catch (error) {
      // A plan refused in a repository that had no state folder leaves none behind.
      if (!hadStateFolder) discardWorkspaceStore(workspace);
      throw error;
    }
    if (ready) writing = Promise.resolve();
  } else await withStore(workspace, checkAndAppend);
  mkdirSync(join(dir, 'planning'), { recursive: true });
  const planner = generated ? await recordPlanner(workspace, dir, generated) : undefined;
  const files = record ?? recordFiles();
  const planning = await (planningRun ?? analyse(planInThisThread));
  const analysis = planning.graph;
  // The record and the artifacts in one batch (fsynced side by side), `unified.json` last.
  await (writing ?? writeFilesAtomic([...files, ...planning.files]));

  if (options.json) {
    printJson(options.io, {
      plan: planned,
      analysis,
      planning: planning.unified,
      dir,
      ...(planner && { planner }),
    });
  } else {
    if (lineage?.movedTo)
      options.io.out(`moved the earlier branch milestone/${planned.id} to ${lineage.movedTo}`);
    if (lineage?.adoptedRuns.length)
      options.io.out(
        `adopted branch milestone/${planned.id}: its tasks whose ids match this plan count as landed`,
      );
    const count = `${planned.tasks.length} task${planned.tasks.length === 1 ? '' : 's'}`;
    options.io.out(
      replaced
        ? `replaced the plan of ${planned.id} (was ${replaced.status}): ${planned.title} (${count}, ${origin}); tasks already on milestone/${planned.id} stay landed, the rest run under the new plan`
        : `planned ${planned.id}: ${planned.title} (${count}, ${origin})`,
    );
    if (planner?.deliverables.length) options.io.out(`deliverables: ${planner.deliverables.join(', ')}`);
    options.io.out(formatAnalysis(planned, analysis));
    options.io.out(planning.summary);
    options.io.out(
      `record: ${dir}\nnext:   milestone show ${planned.id}   |   milestone execute ${planned.id} --dry-run`,
    );
  }
  return { plan: planned, analysis, dir, ...(planner && { planner }) };
}

/** `plan "<title>"` without `--from`: a planner agent writes the plan, which is then stored as any other. */
async function planByAgent(workspace: Workspace, options: PlanOptions): Promise<PlanResult> {
  const title = options.title;
  if (title === undefined || title.trim() === '') {
    throw new UsageError(
      'MILESTONE_PLAN_NO_SOURCE',
      'plan needs a title (a planner agent then writes the plan), --from FILE (a milestone YAML/JSON plan, a Kiro or spec-kit tasks.md, or a Task Master tasks.json; see docs/plan-formats.md), or --id ID to re-run the planning analyses of a stored plan',
    );
  }
  const id = checkMilestoneId(options.id ?? slugify(title), options.id === undefined ? 'id' : '--id');
  // Before any agent runs: a taken id or a missing base would waste the planner's work.
  if (options.replace) {
    throw new UsageError(
      'MILESTONE_PLAN_OPTIONS',
      '--replace needs --from FILE: the plan that replaces the stored one',
    );
  }
  await withStore(workspace, (store) => {
    const existing = store.state(id);
    if (existing) throw existsError(id, existing.status, options);
  });
  const base = await resolveBase(workspace, undefined);
  // Checked again when the plan is stored; here so the planner's work is not wasted on a refusal.
  if (!options.branch) await lineageForNewPlan(workspace, id, base, undefined, retryCommand(options));
  // Loaded here: importing a plan file needs neither the planner nor the agents.
  const { planFromAgent } = await import('../../planner/agent-plan.js');
  const generated = await planFromAgent({
    workspace,
    io: options.io,
    title,
    id,
    description: options.description,
    planner: options.planner,
    maxAttempts: options.maxAttempts,
    taskAgent: options.agent,
    signal: options.signal,
  });
  const tries = `${generated.attempts} attempt${generated.attempts === 1 ? '' : 's'}`;
  const { inputTokens, outputTokens, costUsd } = generated.usage;
  const tokens =
    inputTokens === null && outputTokens === null ? null : (inputTokens ?? 0) + (outputTokens ?? 0);
  const spent = [
    tokens === null ? 'tokens unknown' : `${tokens} tokens`,
    costUsd === null ? 'cost unknown' : `$${costUsd.toFixed(2)}`,
  ].join(', ');
  return storePlan(
    workspace,
    generated.plan,
    options,
    `by ${generated.agent} in ${tries}, ${spent}`,
    generated,
  );
}

/** Writes a planner's deliverables and `planner.json` into the milestone's folder. */
async function recordPlanner(
  workspace: Workspace,
  dir: string,
  generated: AgentPlanResult,
): Promise<PlannerRecord> {
  const { writeDeliverables } = await import('../../planner/deliverables.js');
  writeDeliverables(dir, generated.deliverables);
  const record: PlannerRecord = {
    agent: generated.agent,
    attempts: generated.attempts,
    usage: generated.usage,
    deliverables: generated.deliverables.map((d) => d.path),
    // planner.json is committed: paths relative to the repository, not to this machine.
    logs: generated.logFiles.map((file) => relative(workspace.root, file)),
  };
  writeFileAtomic(join(dir, 'planner.json'), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

async function resolveBase(
  workspace: Workspace,
  requested: string | undefined,
  reads?: GitReads,
): Promise<string> {
  // The branch checked out where the person runs `plan` (a linked worktree has its own).
  const base = requested ?? (await (reads?.head ?? currentBranch(workspace.worktree)));
  if (!base) {
    throw new UsageError(
      'MILESTONE_NO_BASE',
      'HEAD is detached: give the plan a `base:` branch or check out a branch',
    );
  }
  const exists =
    requested === undefined && reads
      ? await reads.headExists
      : (await revParse(workspace.root, `refs/heads/${base}`)) !== null;
  if (!exists) {
    // The branch checked out yet missing is a repository without a commit (`git init` alone).
    const message =
      requested === undefined
        ? `the current branch "${base}" has no commit yet: a milestone branches from a commit; make one (e.g. \`git commit --allow-empty -m "Initial commit"\`) and plan again`
        : `base branch "${base}" does not exist: create it, or change \`base:\` in the plan (default: the current branch)`;
    throw new UsageError('MILESTONE_BAD_BASE', `${message} (${workspace.root})`, [
      { code: 'MILESTONE_BAD_BASE', message, location: { field: 'base' } },
    ]);
  }
  return base;
}

/** `plan --id ID` without `--from`: the planning analyses again, for the stored plan. */
async function reanalyze(workspace: Workspace, id: string, options: PlanOptions): Promise<PlanResult> {
  const state = await withStore(workspace, (store) => resolveMilestone(store, id));
  const dir = milestoneDir(workspace, state.id);
  const planning = await runPlanningAnalyses(state.plan, await gatherRepoFacts(workspace.root));
  writePlanningArtifacts(join(dir, 'planning'), planning);
  const analysis = analyzeGraph(state.plan);
  if (options.json) printJson(options.io, { plan: state.plan, analysis, planning: planning.unified, dir });
  else {
    options.io.out(`re-analysed ${state.id}: ${state.title}`);
    options.io.out(formatPlanningSummary(planning));
  }
  return { plan: state.plan, analysis, dir };
}
