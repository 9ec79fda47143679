import type { StoredEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import { graphSvg, timelineSvg } from './svg.js';
import { attemptSpans } from './timeline.js';

function size(svg: string): { width: number; height: number } {
  const width = Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
  const height = Number(/height="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
  return { width, height };
}

/**
 * `visualize --format svg`: one SVG document with the task graph (status colours) above the
 * timeline of attempts per agent slot. Pure; `now` ends attempts still running.
 */
export function milestoneSvg(state: MilestoneState, events: readonly StoredEvent[], now: number): string {
  const graph = graphSvg(state.plan.tasks, state.tasks);
  const timeline = timelineSvg(attemptSpans(events), now);
  const g = size(graph);
  const t = size(timeline);
  const titleHeight = 28;
  const width = Math.max(g.width, t.width);
  const height = titleHeight + g.height + 36 + t.height;
  const text = (y: number, value: string) =>
    `<text x="10" y="${y}" font-family="ui-sans-serif,system-ui,sans-serif" font-size="14" font-weight="bold">${value
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')}</text>`;
  const nested = (svg: string, y: number) => svg.replace('<svg ', `<svg x="0" y="${y}" `);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#fff"/>${text(18, `${state.title} (${state.id}): ${state.status}`)}${nested(graph, titleHeight)}${text(titleHeight + g.height + 24, 'Timeline: attempts per agent slot')}${nested(timeline, titleHeight + g.height + 32)}</svg>\n`;
}
