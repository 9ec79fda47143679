import type { MilestoneState } from '../../core/projection.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import type { MilestoneMetrics } from '../../report/metrics.js';
import { milestoneMetrics } from '../../report/metrics.js';
import { METRICS_EVENT_TYPES } from '../../report/metrics-attempts.js';
import type { PerformanceComparison } from '../../report/metrics-compare.js';
import { comparePerformance } from '../../report/metrics-compare.js';
import { formatComparison, formatMetrics } from '../../report/metrics-text.js';
import type { Store } from '../../store/store.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';

export interface MetricsOptions {
  cwd: string;
  io: Io;
  /** The milestone; optional where exactly one is active. With `compare`, the one to mark. */
  id?: string | undefined;
  /** Compare direct with agents/hybrid runs over every milestone of the repository. */
  compare: boolean;
  json: boolean;
}

function metricsOf(store: Store, state: MilestoneState): MilestoneMetrics {
  return milestoneMetrics(state, store.events(state.id, { types: METRICS_EVENT_TYPES }));
}

/**
 * Prints one milestone's per-task and total time, tokens, cost and attempts, or with `compare`
 * the direct-versus-agents comparison over all milestones, with its recommendation.
 */
export async function metrics(options: MetricsOptions): Promise<MilestoneMetrics | PerformanceComparison> {
  const workspace = await openWorkspace(options.cwd);
  return withExistingStore(workspace, (store) => {
    if (options.compare) {
      const focus = options.id === undefined ? null : resolveMilestone(store, options.id).id;
      const comparison = comparePerformance(
        store.list().map((state) => metricsOf(store, state)),
        focus,
      );
      if (options.json) printJson(options.io, comparison);
      else options.io.out(formatComparison(comparison));
      return comparison;
    }
    const result = metricsOf(store, resolveMilestone(store, options.id));
    if (options.json) printJson(options.io, result);
    else options.io.out(formatMetrics(result));
    return result;
  });
}
