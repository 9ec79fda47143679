import type { Usage } from '../core/events.js';
import type { Phase, TaskSpec } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { escapeHtml as esc } from '../report/packet-html.js';
import type { AttemptSpan } from './timeline.js';

/** Fill colour of each task status (also used by the dashboard's legend). */
export const STATUS_COLOURS: Record<string, string> = {
  pending: '#e5e7eb',
  ready: '#dbeafe',
  running: '#60a5fa',
  waiting: '#fcd34d',
  succeeded: '#86efac',
  failed: '#f87171',
  skipped: '#d1d5db',
  conflicted: '#f472b6',
  canceled: '#cbd5e1',
  interrupted: '#cbd5e1',
  restarted: '#cbd5e1',
};

const FONT = 'font-family="ui-sans-serif,system-ui,sans-serif" font-size="12"';

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What the graph needs of each task's state. */
export interface GraphTaskState {
  status: string;
  merged: boolean;
}

/**
 * The task graph as SVG: one column group per phase, tasks placed by depth inside their phase,
 * edges from each need to its task, boxes coloured by status. Pure.
 */
export function graphSvg(tasks: readonly TaskSpec[], states: Record<string, GraphTaskState> = {}): string {
  const W = 150;
  const H = 34;
  const GAP_X = 40;
  const GAP_Y = 14;
  const TOP = 30;
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const depth = new Map<string, number>();
  const depthOf = (task: TaskSpec): number => {
    const known = depth.get(task.id);
    if (known !== undefined) return known;
    depth.set(task.id, 0); // cycles cannot reach here (plans are validated); this guards anyway
    const d = Math.max(
      0,
      ...task.needs
        .map((n) => byId.get(n))
        .filter((n): n is TaskSpec => n?.phase === task.phase)
        .map((n) => depthOf(n) + 1),
    );
    depth.set(task.id, d);
    return d;
  };
  const place = new Map<string, { x: number; y: number }>();
  const headers: string[] = [];
  let x = 10;
  let height = TOP;
  for (const phase of PHASES) {
    const inPhase = tasks.filter((t) => t.phase === phase);
    if (inPhase.length === 0) continue;
    const columns = Math.max(...inPhase.map(depthOf)) + 1;
    headers.push(`<text x="${x}" y="18" ${FONT} font-weight="bold">${esc(phase)}</text>`);
    const rows = new Array<number>(columns).fill(0);
    for (const task of inPhase) {
      const d = depthOf(task);
      const y = TOP + rows[d]! * (H + GAP_Y);
      place.set(task.id, { x: x + d * (W + GAP_X), y });
      rows[d]! += 1;
      height = Math.max(height, y + H);
    }
    x += columns * (W + GAP_X) + 20;
  }
  const edges = tasks.flatMap((task) =>
    task.needs
      .map((need) => [place.get(need), place.get(task.id)] as const)
      .filter((pair): pair is readonly [{ x: number; y: number }, { x: number; y: number }] =>
        Boolean(pair[0] && pair[1]),
      )
      .map(([a, b]) => {
        const x1 = a.x + W;
        const y1 = a.y + H / 2;
        const x2 = b.x;
        const y2 = b.y + H / 2;
        const mid = (x1 + x2) / 2;
        return `<path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" fill="none" stroke="#94a3b8" marker-end="url(#arrow)"/>`;
      }),
  );
  const nodes = tasks.map((task) => {
    const p = place.get(task.id)!;
    const state = states[task.id];
    const status = state
      ? state.status === 'succeeded' && !state.merged
        ? 'running'
        : state.status
      : 'pending';
    return `<g class="task" data-task="${esc(task.id)}" data-status="${esc(status)}"><title>${esc(`${task.id}: ${task.title} (${status})`)}</title><rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6" fill="${STATUS_COLOURS[status] ?? '#e5e7eb'}" stroke="#475569"/><text x="${p.x + 8}" y="${p.y + 14}" ${FONT}>${esc(clip(task.id, 22))}</text><text x="${p.x + 8}" y="${p.y + 28}" ${FONT} fill="#334155">${esc(status)}</text></g>`;
  });
  const width = Math.max(x, 200);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 10}" viewBox="0 0 ${width} ${height + 10}" role="img" aria-label="task graph"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker></defs><rect width="100%" height="100%" fill="#fff"/>${headers.join('')}${edges.join('')}${nodes.join('')}</svg>`;
}

/**
 * The timeline (Gantt) of attempts per agent slot as SVG; `now` ends running attempts. Pure.
 */
export function timelineSvg(spans: readonly AttemptSpan[], now: number): string {
  const LEFT = 70;
  const WIDTH = 720;
  const ROW = 26;
  if (spans.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="30" role="img" aria-label="timeline"><text x="4" y="20" ${FONT}>no attempts yet</text></svg>`;
  const start = Math.min(...spans.map((s) => s.start));
  const end = Math.max(start + 1000, ...spans.map((s) => s.end ?? now));
  const scale = WIDTH / (end - start);
  const lanes = Math.max(...spans.map((s) => s.lane)) + 1;
  const height = lanes * ROW + 30;
  const rows = Array.from(
    { length: lanes },
    (_, lane) => `<text x="4" y="${lane * ROW + 17}" ${FONT}>slot ${lane + 1}</text>`,
  );
  const bars = spans.map((span) => {
    const x = LEFT + (span.start - start) * scale;
    const w = Math.max(2, ((span.end ?? now) - span.start) * scale);
    const status = span.outcome ?? 'running';
    return `<g class="attempt" data-task="${esc(span.taskId)}"><title>${esc(`${span.taskId} attempt ${span.attempt} (${span.agent}): ${status}, ${(((span.end ?? now) - span.start) / 1000).toFixed(1)} s`)}</title><rect x="${x.toFixed(1)}" y="${span.lane * ROW + 4}" width="${w.toFixed(1)}" height="${ROW - 8}" rx="3" fill="${STATUS_COLOURS[status] ?? '#e5e7eb'}" stroke="#475569"/><text x="${(x + 4).toFixed(1)}" y="${span.lane * ROW + 17}" ${FONT}>${esc(clip(`${span.taskId} #${span.attempt}`, Math.max(1, Math.floor(w / 7))))}</text></g>`;
  });
  const seconds = (end - start) / 1000;
  const axis = `<text x="${LEFT}" y="${height - 6}" ${FONT} fill="#64748b">0 s</text><text x="${LEFT + WIDTH - 40}" y="${height - 6}" ${FONT} fill="#64748b">${seconds.toFixed(1)} s</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT + WIDTH + 10}" height="${height}" viewBox="0 0 ${LEFT + WIDTH + 10} ${height}" role="img" aria-label="timeline"><rect width="100%" height="100%" fill="#fff"/>${rows.join('')}${bars.join('')}${axis}</svg>`;
}

/** Horizontal bars of cost and tokens per task (unknown figures drawn as "unknown"). Pure. */
export function usageSvg(rows: ReadonlyArray<{ id: string; phase: Phase; usage: Usage }>): string {
  const LEFT = 150;
  const BAR = 200;
  const ROW = 20;
  const tokens = (u: Usage) =>
    u.inputTokens === null && u.outputTokens === null ? null : (u.inputTokens ?? 0) + (u.outputTokens ?? 0);
  const maxCost = Math.max(0, ...rows.map((r) => r.usage.costUsd ?? 0)) || 1;
  const maxTokens = Math.max(0, ...rows.map((r) => tokens(r.usage) ?? 0)) || 1;
  const height = rows.length * ROW + 30;
  const header = `<text x="${LEFT}" y="14" ${FONT} font-weight="bold">cost (USD)</text><text x="${LEFT + BAR + 90}" y="14" ${FONT} font-weight="bold">tokens</text>`;
  const body = rows.map((row, i) => {
    const y = 22 + i * ROW;
    const cost = row.usage.costUsd;
    const t = tokens(row.usage);
    const costBar =
      cost === null
        ? `<text x="${LEFT}" y="${y + 12}" ${FONT} fill="#94a3b8">unknown</text>`
        : `<rect x="${LEFT}" y="${y + 2}" width="${((cost / maxCost) * BAR).toFixed(1)}" height="${ROW - 6}" fill="#a78bfa"/><text x="${LEFT + (cost / maxCost) * BAR + 4}" y="${y + 12}" ${FONT}>$${cost.toFixed(4)}</text>`;
    const x2 = LEFT + BAR + 90;
    const tokenBar =
      t === null
        ? `<text x="${x2}" y="${y + 12}" ${FONT} fill="#94a3b8">unknown</text>`
        : `<rect x="${x2}" y="${y + 2}" width="${((t / maxTokens) * BAR).toFixed(1)}" height="${ROW - 6}" fill="#38bdf8"/><text x="${x2 + (t / maxTokens) * BAR + 4}" y="${y + 12}" ${FONT}>${t.toLocaleString('en-US')}</text>`;
    return `<text x="4" y="${y + 12}" ${FONT}>${esc(clip(row.id, 20))}</text>${costBar}${tokenBar}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT + 2 * BAR + 180}" height="${height}" role="img" aria-label="cost and tokens"><rect width="100%" height="100%" fill="#fff"/>${header}${body.join('')}</svg>`;
}
