import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { GraphAnalysis } from '../../core/analysis.js';
import { analyzeGraph } from '../../core/analysis.js';
import type { Usage } from '../../core/events.js';
import type { Mode, Plan } from '../../core/types.js';
import { UsageError } from '../../errors.js';
import { currentBranch, revParse } from '../../git/git.js';
import { loadPlanFile } from '../../plan/load.js';
import { planToYaml } from '../../plan/serialize.js';
import { slugify } from '../../plan/slug.js';
import type { AgentPlanResult } from '../../planner/agent-plan.js';
import { planFromAgent } from '../../planner/agent-plan.js';
import { writeDeliverables } from '../../planner/deliverables.js';
import {
  formatPlanningSummary,
  gatherRepoFacts,
  runPlanningAnalyses,
  writePlanningArtifacts,
} from '../../planning/index.js';
import { formatAnalysis } from '../../report/analysis-text.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import type { Workspace } from '../../workspace/workspace.js';
import { checkMilestoneId, milestoneDir, openWorkspace, withStore } from '../../workspace/workspace.js';
import type { Io } from '../io.js';
import { printJson } from '../io.js';

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
}

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
 * Imports and validates a plan, then records it: a `milestone_planned` event in the store and
 * `.milestones/<id>/plan.json` + `milestone.yaml`. Nothing is written when any check fails.
 */
export async function plan(options: PlanOptions): Promise<PlanResult> {
  const workspace = await openWorkspace(options.cwd);
  if (!options.from && options.id && options.title === undefined) {
    return reanalyze(workspace, options.id, options);
  }
  if (!options.from) return planByAgent(workspace, options);
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
  const from = resolve(options.cwd, options.from);
  const parsed = await loadPlanFile(from, {
    ...(options.title !== undefined && { title: options.title }),
    ...(options.id !== undefined && { id: options.id }),
  });
  if (!parsed.plan || parsed.problems.length > 0) {
    throw new UsageError('MILESTONE_PLAN_INVALID', `invalid plan ${options.from}`, parsed.problems);
  }
  return storePlan(workspace, parsed.plan, options, `from ${parsed.format}`);
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
): Promise<PlanResult> {
  let planned: Plan = plan;
  if (options.agent) planned = { ...planned, defaults: { ...planned.defaults, agent: options.agent } };
  const base = await resolveBase(workspace, planned.base);
  planned = { ...planned, base };
  const analysis = analyzeGraph(planned);
  const dir = milestoneDir(workspace, planned.id);

  await withStore(workspace, (store) => {
    const existing = store.state(planned.id);
    if (existing) {
      throw new UsageError(
        'MILESTONE_EXISTS',
        `milestone "${planned.id}" already exists (status ${existing.status}); choose another id with --id`,
      );
    }
    store.append(planned.id, [
      { type: 'milestone_planned', plan: planned, base, branch: `milestone/${planned.id}` },
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
  });
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'plan.json'), `${JSON.stringify(planned, null, 2)}\n`);
  writeFileAtomic(join(dir, 'milestone.yaml'), planToYaml(planned));
  const planner = generated ? recordPlanner(workspace, dir, generated) : undefined;
  // The four analyses are independent of each other and offline; their artifacts are what
  // `execute` checks before it starts (the planning-to-execution transition).
  const planning = await runPlanningAnalyses(planned, await gatherRepoFacts(workspace.root));
  writePlanningArtifacts(join(dir, 'planning'), planning);

  if (options.json) {
    printJson(options.io, {
      plan: planned,
      analysis,
      planning: planning.unified,
      dir,
      ...(planner && { planner }),
    });
  } else {
    options.io.out(`planned ${planned.id}: ${planned.title} (${planned.tasks.length} tasks, ${origin})`);
    if (planner?.deliverables.length) options.io.out(`deliverables: ${planner.deliverables.join(', ')}`);
    options.io.out(formatAnalysis(planned, analysis));
    options.io.out(formatPlanningSummary(planning));
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
  await withStore(workspace, (store) => {
    const existing = store.state(id);
    if (existing) {
      throw new UsageError(
        'MILESTONE_EXISTS',
        `milestone "${id}" already exists (status ${existing.status}); choose another id with --id`,
      );
    }
  });
  await resolveBase(workspace, undefined);
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
function recordPlanner(workspace: Workspace, dir: string, generated: AgentPlanResult): PlannerRecord {
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

async function resolveBase(workspace: Workspace, requested: string | undefined): Promise<string> {
  // The branch checked out where the person runs `plan` (a linked worktree has its own).
  const base = requested ?? (await currentBranch(workspace.worktree));
  if (!base) {
    throw new UsageError(
      'MILESTONE_NO_BASE',
      'HEAD is detached: give the plan a `base:` branch or check out a branch',
    );
  }
  if (!(await revParse(workspace.root, `refs/heads/${base}`))) {
    throw new UsageError('MILESTONE_BAD_BASE', `base branch "${base}" does not exist in ${workspace.root}`, [
      {
        code: 'MILESTONE_BAD_BASE',
        message: `base branch "${base}" does not exist`,
        location: { field: 'base' },
      },
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
