import { waves } from '../core/graph.js';
import type { Plan, TaskStatus } from '../core/types.js';
import { PHASES } from '../core/types.js';

export type GraphFormat = 'mermaid' | 'dot' | 'ascii';

const quote = (text: string) => text.replace(/["\\]/g, (c) => `\\${c}`);

function mermaid(plan: Plan, statusOf: (id: string) => TaskStatus | undefined): string {
  const lines = ['flowchart LR'];
  for (const phase of PHASES) {
    const tasks = plan.tasks.filter((t) => t.phase === phase);
    if (tasks.length === 0) continue;
    lines.push(`  subgraph ${phase}["${phase}"]`);
    for (const task of tasks) {
      const status = statusOf(task.id);
      lines.push(
        `    ${task.id.replace(/-/g, '_')}["${quote(task.title)}${status && status !== 'pending' ? ` (${status})` : ''}"]`,
      );
    }
    lines.push('  end');
  }
  for (const task of plan.tasks) {
    for (const need of task.needs)
      lines.push(`  ${need.replace(/-/g, '_')} --> ${task.id.replace(/-/g, '_')}`);
  }
  return lines.join('\n');
}

function dot(plan: Plan, statusOf: (id: string) => TaskStatus | undefined): string {
  const lines = [`digraph "${quote(plan.id)}" {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const phase of PHASES) {
    const tasks = plan.tasks.filter((t) => t.phase === phase);
    if (tasks.length === 0) continue;
    lines.push(`  subgraph "cluster_${phase}" {`, `    label="${phase}";`);
    for (const task of tasks) {
      const status = statusOf(task.id);
      lines.push(
        `    "${task.id}" [label="${quote(task.title)}${status && status !== 'pending' ? `\\n${status}` : ''}"];`,
      );
    }
    lines.push('  }');
  }
  for (const task of plan.tasks) for (const need of task.needs) lines.push(`  "${need}" -> "${task.id}";`);
  lines.push('}');
  return lines.join('\n');
}

function ascii(plan: Plan, statusOf: (id: string) => TaskStatus | undefined): string {
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
      const status = statusOf(id);
      const mark =
        status === 'succeeded'
          ? '[x]'
          : status === 'running'
            ? '[>]'
            : status && status !== 'pending' && status !== 'ready'
              ? '[!]'
              : '[ ]';
      lines.push(`    ${mark} ${id}${task.needs.length ? `  <- ${task.needs.join(', ')}` : ''}`);
    }
  }
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
