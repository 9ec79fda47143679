import type { Config } from '../config/config.js';
import type { MilestoneState } from '../core/projection.js';
import type { Mode, Phase } from '../core/types.js';
import type { ConcurrencyChoice } from '../decision/resources.js';
import type { SlotCost } from '../decision/setup-cost.js';
import { weighConcurrency, weighSetupCost } from '../decision/setup-cost.js';
import type { Problem } from '../errors.js';
import type { PreflightReport } from './preflight.js';
import { checkWorktreeSources, preflight, preflightLines, slotCost } from './preflight.js';

/** What `execute` learns about worktrees before it starts, and how it weighs the decision. */
export interface ExecutePreflight {
  report: PreflightReport;
  cost: SlotCost;
  /** Missing link/copy sources: `execute` refuses (exit 2), `--dry-run` lists them. */
  problems: Problem[];
  concurrency(choice: ConcurrencyChoice): ConcurrencyChoice;
  mode<T extends { mode: Mode; reason: string }>(
    choice: T,
    requested: string | undefined,
    concurrency: number,
  ): T;
  /** The preflight lines for a run in `mode` at `concurrency`. */
  lines(mode: Mode, concurrency: number): string[];
}

/**
 * The worktree preflight of `execute` (and `--dry-run`): the slot folder, the slots kept and to
 * create, setup/link/copy and the last setup time, warnings about dependencies verify will miss;
 * and the setup-cost weighing of the default concurrency and the mode.
 */
export async function executePreflight(input: {
  repoRoot: string;
  configFile: string;
  worktreeRoot: string;
  config: Config;
  state: MilestoneState;
  phases: Phase[];
  /** Every milestone in the store: measured task times of earlier runs. */
  history: MilestoneState[];
  cpus: number;
  disk: boolean;
}): Promise<ExecutePreflight> {
  let problems: Problem[] = [];
  try {
    checkWorktreeSources(input.repoRoot, input.config, input.configFile);
  } catch (error) {
    problems = (error as { problems?: Problem[] }).problems ?? [];
    if (problems.length === 0) throw error;
  }
  const report = await preflight({ ...input, plan: input.state.plan });
  const open = input.state.plan.tasks.filter(
    (t) => input.phases.includes(t.phase) && !input.state.tasks[t.id]?.merged,
  );
  const cost = slotCost(report, input.state.plan, {
    cpus: input.cpus,
    meanTaskMs: meanTaskMs(input.history),
    tasks: open.length,
  });
  const wanted = (mode: Mode, concurrency: number) =>
    mode === 'direct' ? Math.min(1, open.length) : Math.min(concurrency, open.length);
  return {
    report,
    cost,
    problems,
    concurrency: (choice) => weighConcurrency(choice, cost),
    // A resumed run keeps its mode (`decision: null`); only a fresh decision is weighed.
    mode: (choice, requested, concurrency) =>
      (choice as { decision?: unknown }).decision === null
        ? choice
        : {
            ...choice,
            ...weighSetupCost(choice, requested !== undefined && requested !== 'auto', cost, concurrency),
          },
    lines: (mode, concurrency) => preflightLines(report, wanted(mode, concurrency)),
  };
}

/** Mean duration of the tasks that succeeded in earlier runs; `null` when none did. */
function meanTaskMs(history: MilestoneState[]): number | null {
  const times = history.flatMap((m) =>
    Object.values(m.tasks)
      .filter((t) => t.status === 'succeeded' && t.startedAt && t.finishedAt)
      .map((t) => Date.parse(t.finishedAt!) - Date.parse(t.startedAt!)),
  );
  return times.length ? times.reduce((a, b) => a + b, 0) / times.length : null;
}
