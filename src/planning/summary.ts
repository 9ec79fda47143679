import { plural } from '../core/duration.js';
import { PHASES } from '../core/types.js';
import { formatHours as hours } from './hours.js';
import { KIRO_CLASSES } from './kiro.js';
import type { UnifiedPlanning } from './unified.js';

/** Risks shown by {@link formatPlanningSummary}; the artifact has them all. */
const SHOWN_RISKS = 3;
const SHOWN_COMPONENTS = 4;

/** A few lines for `milestone plan`: scope, estimates, confidence, top risks, KIRO, strategy. */
export function formatPlanningSummary(planning: UnifiedPlanning): string {
  const { scope, estimates, risks, strategy, unified } = planning;
  const components = scope.components.slice(0, SHOWN_COMPONENTS).map((c) => `${c.name} ${c.files}`);
  if (scope.components.length > SHOWN_COMPONENTS) {
    components.push(`+${scope.components.length - SHOWN_COMPONENTS} more`);
  }
  const newPaths = scope.newPaths.length > 0 ? `, ${plural(scope.newPaths.length, 'new path')}` : '';
  const agentPoints = estimates.makespan.filter(
    (point, k) => k === 0 || point.agents === 4 || k === estimates.makespan.length - 1,
  );
  const makespan = agentPoints
    .map(
      (point) =>
        `${point.agents} agent${point.agents > 1 ? 's' : ''} ${hours(point.minutes)}${point.agents > 1 ? ` (${point.speedup.toFixed(1)}x)` : ''}`,
    )
    .join(', ');
  const { high, medium, low } = risks.severities;
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  const show = (w: Record<string, number>) =>
    PHASES.map((phase) => `${phase} ${round2(w[phase]!)}`).join(', ');
  // Progress uses the plan's weights; KIRO's adjustment is only a suggestion until the plan sets it.
  const adjusted = PHASES.some((phase) => strategy.adjustedWeights[phase] !== strategy.weights[phase]);
  const weightLines = [
    `weights:    ${show(strategy.weights)} (the plan's; progress uses these)`,
    ...(adjusted
      ? [
          `  suggested: ${show(strategy.adjustedWeights)} (${strategy.adjustments.join('; ')}); set \`weights:\` in the plan to use them`,
        ]
      : []),
  ];
  const lines = [
    `scope:      ${plural(scope.fileCount, 'file')} in ${plural(scope.components.length, 'component')}${components.length > 0 ? ` (${components.join(', ')})` : ''}${newPaths}; ~${scope.estimatedFileCount} estimated`,
    `estimates:  ${hours(estimates.total.expected)} of work${estimates.total.stdDev >= 0.5 ? ` (±${hours(estimates.total.stdDev)})` : ''}, critical path ${hours(estimates.criticalPath.length)}; ${makespan}`,
    `confidence: ${unified.metrics.confidence.toFixed(2)} (${percent(estimates.confidence)} of tasks estimated, scope resolved for ${percent(scope.matchRate)}); complexity ${unified.metrics.complexityScore.toFixed(2)}`,
    `risks:      ${high} high, ${medium} medium, ${low} low`,
    ...risks.findings
      .slice(0, SHOWN_RISKS)
      .map((finding) => `  ${finding.severity.padEnd(6)} ${finding.message}`),
    `kiro:       ${KIRO_CLASSES.map((kiro) => `${kiro} ${percent(strategy.shares[kiro])}`).join(', ')}`,
    ...weightLines,
    `strategy:   ${strategy.execution.strategy}: ${strategy.execution.reason}`,
  ];
  return lines.join('\n');
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
