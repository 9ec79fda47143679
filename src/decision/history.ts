import type { MilestoneState } from '../core/projection.js';
import type { History } from './mode.js';

/**
 * The parallelism runs achieved in this repository: for each completed milestone run in agents
 * or hybrid mode, summed task time / wall time (first task start to last task end), then the
 * mean. A sequential run scores about 1; four busy agents about 4. Pure. (Speedup, direct time /
 * agents time, is `metrics --compare`'s measure; it needs direct runs to compare with.)
 */
export function measuredHistory(milestones: readonly MilestoneState[]): History | null {
  const parallelisms: number[] = [];
  for (const milestone of milestones) {
    if (milestone.status !== 'completed' || (milestone.mode !== 'agents' && milestone.mode !== 'hybrid'))
      continue;
    const spans = Object.values(milestone.tasks)
      .filter((t) => t.startedAt && t.finishedAt)
      .map((t) => ({ start: Date.parse(t.startedAt!), end: Date.parse(t.finishedAt!) }));
    if (spans.length < 2) continue;
    const busy = spans.reduce((sum, s) => sum + (s.end - s.start), 0);
    const wall = Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));
    if (wall > 0) parallelisms.push(busy / wall);
  }
  if (parallelisms.length === 0) return null;
  return {
    runs: parallelisms.length,
    parallelism: parallelisms.reduce((a, b) => a + b, 0) / parallelisms.length,
  };
}
