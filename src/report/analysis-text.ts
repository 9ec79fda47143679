import type { GraphAnalysis } from '../core/analysis.js';
import { formatSpan, plural } from '../core/duration.js';
import type { Plan } from '../core/types.js';
import { PHASES } from '../core/types.js';

/** A few lines summarising a plan's shape: phases, critical path, parallelism, overlaps. */
export function formatAnalysis(plan: Plan, analysis: GraphAnalysis): string {
  const perPhase = PHASES.map(
    (phase) => `${phase} ${plan.tasks.filter((t) => t.phase === phase).length}`,
  ).join(', ');
  const path = analysis.criticalPath.path;
  const shownPath = path.length > 8 ? [...path.slice(0, 4), '...', ...path.slice(-3)] : path;
  const lines = [
    `tasks:          ${plan.tasks.length} (${perPhase})`,
    `critical path:  ${formatSpan(analysis.criticalPath.length)} of ${formatSpan(analysis.totalWork)} total work: ${shownPath.join(' -> ') || '(empty)'}`,
    `parallel score: ${analysis.parallelScore.toFixed(2)}  (${analysis.waves.length} waves, widest ${analysis.maxWaveWidth})`,
  ];
  if (analysis.overlaps.length > 0) {
    lines.push(
      `file overlaps:  ${plural(analysis.overlaps.length, 'unordered pair')} may touch the same files (serialized at run time):`,
    );
    for (const overlap of analysis.overlaps.slice(0, 10)) {
      const files = overlap.files.map(([a, b]) => (a === b ? a : `${a} ~ ${b}`)).join(', ');
      lines.push(`  ${overlap.a} <-> ${overlap.b}: ${files}`);
    }
    if (analysis.overlaps.length > 10) lines.push(`  ... and ${analysis.overlaps.length - 10} more`);
  }
  return lines.join('\n');
}
