import { formatSpanMs, plural } from '../core/duration.js';
import { formatCost } from '../core/usage.js';
import type { Coverage, MilestoneMetrics } from './metrics.js';
import type { PerformanceComparison, SideMetrics } from './metrics-compare.js';
import { STEPS } from './metrics-steps.js';

/** `$0.1234`; unknown cost reads `unknown`, never `$0`. */
export { formatCost };

/** The one display format of durations (`0.9s`, `12s`, `4m 5s`, `1h 2m`); `-` when unknown. */
export function formatElapsed(ms: number | null): string {
  return ms === null ? '-' : formatSpanMs(ms);
}

function count(value: number | null): string {
  return value === null ? 'unknown' : value.toLocaleString('en-US');
}

function times(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(2)}x`;
}

function percent(value: number | null): string {
  return value === null ? '-' : `${Math.round(value * 100)}%`;
}

function coverage(known: Coverage, unknown: number): string {
  if (known === 'all') return '';
  return known === 'none' ? ' (no task reported it)' : ` (${plural(unknown, 'task')} unknown, not counted)`;
}

/** Left-aligned columns, two spaces apart. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

/** Human rendering of `milestone metrics`. */
export function formatMetrics(m: MilestoneMetrics): string {
  const t = m.totals;
  const header = ['task', 'status', 'attempts', 'agent', 'in tokens', 'out tokens', 'cost', 'wall', 'total'];
  const rows = m.tasks.map((task) => [
    task.id,
    task.status,
    String(task.attempts),
    task.agent,
    count(task.inputTokens),
    count(task.outputTokens),
    formatCost(task.costUsd),
    formatElapsed(task.wallMs),
    formatElapsed(task.totalMs),
  ]);
  const unknownTokens = m.tasks.filter(
    (x) => x.attempts > 0 && x.inputTokens === null && x.outputTokens === null,
  );
  const lines = [
    `${m.id}  ${m.title}`,
    `status ${m.status}${m.mode ? `, mode ${m.mode}` : ''}`,
    '',
    ...table([header, ...rows]),
    '',
    `tasks     ${t.tasks}: ${t.succeeded} succeeded, ${t.failed} failed, ${t.skipped} skipped; ${t.ran} ran, ${plural(t.attempts, 'attempt')}${t.cutShort ? ` (${t.cutShort} cut short by a stopped run)` : ''}, ${t.retries} retr${t.retries === 1 ? 'y' : 'ies'}, ${t.merges} merged`,
    `tokens    in ${count(t.inputTokens)}, out ${count(t.outputTokens)}${coverage(t.tokensKnown, unknownTokens.length)}`,
    `cost      ${formatCost(t.costUsd)}${coverage(t.costKnown, t.unknownCostTasks)}`,
    `time      wall ${formatElapsed(t.wallMs)} over ${plural(m.runs.length, 'run')}, busy ${formatElapsed(t.busyMs)}, parallelism ${times(t.parallelism)} (busy / wall)`,
    `steps     ${STEPS.map((step) => `${step} ${formatElapsed(t.steps[step])}`).join(', ')}`,
    `quality   ${percent(t.quality)} (${t.firstTime} of ${plural(t.ran, 'task')} that ran landed on the first attempt${t.configFailures ? `; ${plural(t.configFailures, 'configuration failure')} (setup, command not found) not counted` : ''})`,
  ];
  const i = m.integration;
  if (i.checks + i.bisectSteps + i.intentChecks + i.baselines > 0) {
    lines.push(
      `checks    ${plural(i.checks, 'integration check')} (${formatElapsed(i.checkMs)}), ${plural(i.bisectSteps, 'bisect step')} (${formatElapsed(i.bisectMs)}), ${plural(i.reverts, 'revert')}, ${i.intentChecks} intent re-check(s); ${formatElapsed(i.totalMs)} in all`,
    );
  }
  if (m.phases.length) {
    lines.push(
      `phases    ${m.phases.map((p) => `${p.phase} ${p.at} (${p.commit.slice(0, 10)})`).join(', ')}`,
    );
  }
  return lines.join('\n');
}

function perUnit(ms: number | null, unit: PerformanceComparison['unit']): string {
  return ms === null ? '-' : `${formatElapsed(ms)}/${unit === 'task' ? 'task' : 'est. min'}`;
}

function sideRow(name: string, side: SideMetrics, unit: PerformanceComparison['unit']): string[] {
  if (side.runs === 0) return [name, '0', '-', '-', '-', '-'];
  const cost =
    side.costPerUnitUsd === null
      ? 'unknown'
      : `${formatCost(side.costPerUnitUsd)}/${unit === 'task' ? 'task' : 'est. min'}`;
  return [
    name,
    String(side.runs),
    perUnit(side.timePerUnitMs, unit),
    times(side.parallelism),
    cost,
    percent(side.quality),
  ];
}

/** Human rendering of `milestone metrics --compare`: a small table, the ratios, the recommendation, the formulas. */
export function formatComparison(c: PerformanceComparison): string {
  const lines = table([
    ['side', 'runs', 'time/unit', 'parallelism', 'cost/unit', 'quality'],
    sideRow('direct', c.direct, c.unit),
    sideRow('agents', c.agents, c.unit),
  ]);
  const runs = c.runs.map((r) => `${r.id}${r.id === c.focus ? '*' : ''} (${r.mode})`);
  if (runs.length) lines.push(`runs: ${runs.join(', ')}`);
  for (const skip of c.excluded)
    lines.push(`left out: ${skip.id}${skip.id === c.focus ? '*' : ''}: ${skip.reason}`);
  const costRatio = c.costRatio === null ? 'unknown' : c.costRatio.toFixed(2);
  const quality = c.quality === null ? '-' : c.quality.toFixed(2);
  const unit = c.unit === 'task' ? 'task' : 'estimated minute';
  lines.push(
    '',
    `speedup ${times(c.speedup)}  parallelism ${times(c.parallelism)}  cost ratio ${costRatio}  quality ${quality}`,
    `recommendation: ${c.recommendation}`,
    `formulas: speedup = direct / agents wall time per ${unit} (higher is better); parallelism = agents busy / wall, over direct's 1; cost ratio = agents / direct cost per ${unit} (lower is better); quality = agents / direct share of tasks landed on the first attempt`,
  );
  return lines.join('\n');
}
