import type { Mode } from '../core/types.js';
import type { Coverage, MilestoneMetrics, TaskMetrics } from './metrics.js';
import { knownSum } from './metrics.js';

/** What `metrics --compare` recommends; `insufficient_data` when one side has no runs. */
export type Recommendation =
  | 'always_use_agents'
  | 'use_agents_for_complex'
  | 'use_direct_for_simple'
  | 'insufficient_data';

/** What wall time is divided by so milestones of different sizes compare. */
export type WorkUnit = 'estimated-minute' | 'task';

/** `direct` runs; `agents` groups agents and hybrid runs. */
export type Side = 'direct' | 'agents';

/** One milestone counted in the comparison. */
export interface ComparedRun {
  id: string;
  mode: Mode;
  side: Side;
  /** Work of the tasks that ran, in the comparison's unit. */
  work: number;
  wallMs: number;
  timePerUnitMs: number;
  parallelism: number | null;
  costUsd: number | null;
  costKnown: Coverage;
  quality: number | null;
}

/** The runs of one side, pooled. */
export interface SideMetrics {
  runs: number;
  work: number;
  wallMs: number;
  /** Pooled wall / work; `null` without runs. */
  timePerUnitMs: number | null;
  /** Mean achieved parallelism (busy / wall) of the runs. */
  parallelism: number | null;
  costUsd: number | null;
  costKnown: Coverage;
  /** Known cost / work of the tasks whose cost is known; `null` when no cost is known. */
  costPerUnitUsd: number | null;
  /** Tasks that landed on their first attempt / tasks that ran, pooled. */
  quality: number | null;
}

/** `milestone metrics --compare --json`: direct versus agents runs, every ratio with higher = better for agents except `costRatio`. */
export interface PerformanceComparison {
  unit: WorkUnit;
  /** The milestone named on the command line, if any. */
  focus: string | null;
  direct: SideMetrics;
  agents: SideMetrics;
  /** direct time per unit / agents time per unit: higher is better, > 1 means agents were faster. */
  speedup: number | null;
  /** agents mean parallelism / 1 (direct runs one task at a time). */
  parallelism: number | null;
  /** agents cost per unit / direct cost per unit: lower is better; `null` when a side's cost is unknown. */
  costRatio: number | null;
  /** agents quality / direct quality: 1 is equal, higher is better. */
  quality: number | null;
  recommendation: Recommendation;
  /** The formulas above, in words, printed with the numbers. */
  formulas: Record<
    'timePerUnit' | 'speedup' | 'parallelism' | 'costRatio' | 'quality' | 'recommendation',
    string
  >;
  runs: ComparedRun[];
  /** Milestones left out, and why. */
  excluded: Array<{ id: string; reason: string }>;
}

export const COMPARISON_FORMULAS: PerformanceComparison['formulas'] = {
  timePerUnit:
    'wall time / work, pooled per side; work = PERT estimate minutes of the tasks that ran, or their count when a task has no estimate',
  speedup:
    'direct.timePerUnit / agents.timePerUnit (higher is better; > 1: agents finished the same work sooner)',
  parallelism: 'agents mean (busy / wall) / 1 (direct runs one task at a time)',
  costRatio: 'agents.costPerUnit / direct.costPerUnit (lower is better; null when a side has no known cost)',
  quality:
    'agents.quality / direct.quality, quality = tasks landed on their first attempt / tasks that ran (higher is better)',
  recommendation:
    'always_use_agents if speedup > 2 and quality >= 1; use_agents_for_complex if speedup > 1.5; else use_direct_for_simple; insufficient_data when a side has no runs',
};

const SETTLED = new Set(['completed', 'failed']);

function sideOf(mode: Mode | null): Side | null {
  return mode === null ? null : mode === 'direct' ? 'direct' : 'agents';
}

/** Why a milestone cannot be compared, or its side and mode. */
function classify(m: MilestoneMetrics): { side: Side; mode: Mode } | { reason: string } {
  if (!SETTLED.has(m.status)) return { reason: `status ${m.status} (only completed or failed runs count)` };
  if (m.totals.ran === 0 || !m.totals.wallMs) return { reason: 'no timed attempts' };
  const sides = new Set(m.runs.map((r) => sideOf(r.mode)));
  const [side] = sides;
  if (sides.size !== 1 || !side) return { reason: 'its runs mixed direct and parallel modes' };
  const mode = m.runs.at(-1)!.mode!;
  return { side, mode };
}

function unitWork(task: TaskMetrics, unit: WorkUnit): number {
  return unit === 'task' ? 1 : (task.estimateMinutes ?? 0);
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function sideMetrics(metrics: MilestoneMetrics[], unit: WorkUnit): SideMetrics {
  const ran = metrics.flatMap((m) => m.tasks.filter((t) => t.attempts > 0));
  const work = ran.reduce((sum, t) => sum + unitWork(t, unit), 0);
  const wallMs = metrics.reduce((sum, m) => sum + (m.totals.wallMs ?? 0), 0);
  const cost = knownSum(ran.map((t) => t.costUsd));
  const costed = ran.filter((t) => t.costUsd !== null);
  const firstTime = ran.filter((t) => t.firstTime).length;
  return {
    runs: metrics.length,
    work,
    wallMs,
    timePerUnitMs: metrics.length ? ratio(wallMs, work) : null,
    parallelism: mean(metrics.flatMap((m) => (m.totals.parallelism === null ? [] : [m.totals.parallelism]))),
    costUsd: metrics.length ? cost.sum : null,
    costKnown: metrics.length ? cost.known : 'none',
    costPerUnitUsd: costed.length
      ? ratio(
          cost.sum,
          costed.reduce((sum, t) => sum + unitWork(t, unit), 0),
        )
      : null,
    quality: ratio(firstTime, ran.length),
  };
}

/**
 * speedup > 2 with quality >= 1: always agents; speedup > 1.5: agents for complex milestones;
 * otherwise direct for simple ones; `insufficient_data` when the speedup cannot be measured.
 */
export function recommend(speedup: number | null, quality: number | null): Recommendation {
  if (speedup === null) return 'insufficient_data';
  if (speedup > 2 && quality !== null && quality >= 1) return 'always_use_agents';
  if (speedup > 1.5) return 'use_agents_for_complex';
  return 'use_direct_for_simple';
}

/**
 * Compares direct runs with agents/hybrid runs over settled milestones (completed or failed).
 * Wall time is normalised by the work that ran, so milestones of different sizes compare; the
 * unit is estimated minutes when every task that ran has an estimate, else tasks. Pure.
 */
export function comparePerformance(
  milestones: readonly MilestoneMetrics[],
  focus: string | null = null,
): PerformanceComparison {
  const excluded: PerformanceComparison['excluded'] = [];
  const included: Array<{ metrics: MilestoneMetrics; side: Side; mode: Mode }> = [];
  for (const metrics of milestones) {
    const verdict = classify(metrics);
    if ('reason' in verdict) excluded.push({ id: metrics.id, reason: verdict.reason });
    else included.push({ metrics, ...verdict });
  }
  const estimated = included.every(({ metrics }) =>
    metrics.tasks.every((t) => t.attempts === 0 || (t.estimateMinutes ?? 0) > 0),
  );
  const unit: WorkUnit = included.length && estimated ? 'estimated-minute' : 'task';
  const side = (name: Side) =>
    sideMetrics(
      included.filter((i) => i.side === name).map((i) => i.metrics),
      unit,
    );
  const direct = side('direct');
  const agents = side('agents');
  const speedup = ratio(direct.timePerUnitMs, agents.timePerUnitMs);
  const quality = ratio(agents.quality, direct.quality);
  const runs = included.map(({ metrics, side, mode }): ComparedRun => {
    const work = metrics.tasks.filter((t) => t.attempts > 0).reduce((sum, t) => sum + unitWork(t, unit), 0);
    const wallMs = metrics.totals.wallMs ?? 0;
    return {
      id: metrics.id,
      mode,
      side,
      work,
      wallMs,
      timePerUnitMs: work ? wallMs / work : 0,
      parallelism: metrics.totals.parallelism,
      costUsd: metrics.totals.costUsd,
      costKnown: metrics.totals.costKnown,
      quality: metrics.totals.quality,
    };
  });
  return {
    unit,
    focus,
    direct,
    agents,
    speedup,
    parallelism: agents.parallelism,
    costRatio: ratio(agents.costPerUnitUsd, direct.costPerUnitUsd),
    quality,
    recommendation: recommend(speedup, quality),
    formulas: COMPARISON_FORMULAS,
    runs,
    excluded,
  };
}
