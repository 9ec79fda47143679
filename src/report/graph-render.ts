import { waves } from '../core/graph.js';
import type { Plan, TaskStatus } from '../core/types.js';
import { PHASES, TASK_STATUSES } from '../core/types.js';

export type GraphFormat = 'mermaid' | 'dot' | 'ascii';

type StatusOf = (id: string) => TaskStatus | undefined;

/** One mark per status, so a failed task never looks like a skipped one. */
export const STATUS_MARKS: Record<TaskStatus, string> = {
  pending: '[ ]',
  ready: '[ ]',
  running: '[>]',
  waiting: '[z]',
  succeeded: '[x]',
  failed: '[!]',
  skipped: '[-]',
  conflicted: '[~]',
  canceled: '[/]',
};

/** Fill and border of each status in Mermaid and dot. */
const STATUS_STYLE: Record<TaskStatus, { fill: string; stroke: string; dashed?: boolean }> = {
  pending: { fill: '#ffffff', stroke: '#999999' },
  ready: { fill: '#ffffff', stroke: '#999999' },
  running: { fill: '#dbeafe', stroke: '#2563eb' },
  waiting: { fill: '#fef9c3', stroke: '#ca8a04', dashed: true },
  succeeded: { fill: '#dcfce7', stroke: '#16a34a' },
  failed: { fill: '#fee2e2', stroke: '#dc2626' },
  skipped: { fill: '#f3f4f6', stroke: '#6b7280', dashed: true },
  conflicted: { fill: '#ffedd5', stroke: '#ea580c' },
  canceled: { fill: '#f3f4f6', stroke: '#374151', dashed: true },
};

/** Statuses present in the drawing, in the vocabulary's order (pending and ready are one). */
function shownStatuses(plan: Plan, statusOf: StatusOf): TaskStatus[] {
  const present = new Set(plan.tasks.map((t) => statusOf(t.id) ?? 'pending'));
  return TASK_STATUSES.filter(
    (s) => s !== 'ready' && (present.has(s) || (s === 'pending' && present.has('ready'))),
  );
}

/**
 * Mermaid label text: its own entity codes instead of quotes and angle brackets, which would
 * end the label or be read as HTML.
 */
const mermaidText = (text: string) =>
  text.replace(/[#"<>]/g, (c) => ({ '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;' })[c]!);
/** Node ids get a prefix: a task named `end`, `subgraph` or `design` must not be read as a keyword or a phase. */
const mermaidNode = (id: string) => `t_${id.replace(/-/g, '_')}`;
const mermaidPhase = (phase: string) => `phase_${phase}`;

function mermaid(plan: Plan, statusOf: StatusOf): string {
  const lines = ['flowchart LR'];
  for (const phase of PHASES) {
    const tasks = plan.tasks.filter((t) => t.phase === phase);
    if (tasks.length === 0) continue;
    lines.push(`  subgraph ${mermaidPhase(phase)}["${phase}"]`);
    for (const task of tasks) {
      const status = statusOf(task.id);
      const suffix = status && status !== 'pending' && status !== 'ready' ? ` (${status})` : '';
      lines.push(`    ${mermaidNode(task.id)}["${mermaidText(task.title)}${suffix}"]`);
    }
    lines.push('  end');
  }
  for (const task of plan.tasks) {
    for (const need of task.needs) lines.push(`  ${mermaidNode(need)} --> ${mermaidNode(task.id)}`);
  }
  const statuses = shownStatuses(plan, statusOf);
  for (const status of statuses) {
    const style = STATUS_STYLE[status];
    lines.push(
      `  classDef st_${status} fill:${style.fill},stroke:${style.stroke}${style.dashed ? ',stroke-dasharray:4 3' : ''}`,
    );
    const members = plan.tasks.filter((t) => {
      const s = statusOf(t.id) ?? 'pending';
      return s === status || (status === 'pending' && s === 'ready');
    });
    lines.push(`  class ${members.map((t) => mermaidNode(t.id)).join(',')} st_${status}`);
  }
  if (statuses.length > 1 || (statuses.length === 1 && statuses[0] !== 'pending')) {
    lines.push('  subgraph legend_box["legend"]');
    for (const status of statuses) lines.push(`    legend_${status}["${status}"]:::st_${status}`);
    lines.push('  end');
  }
  return lines.join('\n');
}

const dotText = (text: string) => text.replace(/["\\]/g, (c) => `\\${c}`);

function dot(plan: Plan, statusOf: StatusOf): string {
  const lines = [`digraph "${dotText(plan.id)}" {`, '  rankdir=LR;', '  node [shape=box, style=filled];'];
  const attrs = (status: TaskStatus) => {
    const style = STATUS_STYLE[status];
    return `fillcolor="${style.fill}", color="${style.stroke}"${style.dashed ? ', style="filled,dashed"' : ''}`;
  };
  for (const phase of PHASES) {
    const tasks = plan.tasks.filter((t) => t.phase === phase);
    if (tasks.length === 0) continue;
    lines.push(`  subgraph "cluster_${phase}" {`, `    label="${phase}";`);
    for (const task of tasks) {
      const status = statusOf(task.id) ?? 'pending';
      const suffix = status !== 'pending' && status !== 'ready' ? `\\n${status}` : '';
      lines.push(`    "${task.id}" [label="${dotText(task.title)}${suffix}", ${attrs(status)}];`);
    }
    lines.push('  }');
  }
  for (const task of plan.tasks) for (const need of task.needs) lines.push(`  "${need}" -> "${task.id}";`);
  const statuses = shownStatuses(plan, statusOf);
  if (statuses.some((s) => s !== 'pending')) {
    lines.push('  subgraph "cluster_legend" {', '    label="legend";');
    for (const status of statuses)
      lines.push(`    "legend:${status}" [label="${status}", ${attrs(status)}];`);
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n');
}

function ascii(plan: Plan, statusOf: StatusOf): string {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const lines: string[] = [];
  let currentPhase = '';
  let waveInPhase = 0;
  for (const wave of waves(plan.tasks)) {
    const phase = byId.get(wave[0]!)?.phase ?? '';
    if (phase !== currentPhase) {
      currentPhase = phase;
      waveInPhase = 0;
      lines.push(`== ${phase} ==`);
    }
    waveInPhase += 1;
    lines.push(`  wave ${waveInPhase}${wave.length > 1 ? ` (${wave.length} in parallel)` : ''}`);
    for (const id of wave) {
      const task = byId.get(id)!;
      const mark = STATUS_MARKS[statusOf(id) ?? 'pending'];
      lines.push(`    ${mark} ${id}${task.needs.length ? `  <- ${task.needs.join(', ')}` : ''}`);
    }
  }
  const statuses = shownStatuses(plan, statusOf);
  lines.push(`legend: ${statuses.map((s) => `${STATUS_MARKS[s]} ${s}`).join('  ')}`);
  return lines.join('\n');
}

/** Draws the task DAG grouped by phase. `tasks` adds each task's status where known. */
export function renderGraph(
  plan: Plan,
  format: GraphFormat,
  tasks: Record<string, { status: TaskStatus }> = {},
): string {
  const statusOf = (id: string) => tasks[id]?.status;
  if (format === 'mermaid') return mermaid(plan, statusOf);
  if (format === 'dot') return dot(plan, statusOf);
  return ascii(plan, statusOf);
}
