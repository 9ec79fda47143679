import type { Config } from '../config/config.js';
import type { MilestoneHeader, TaskRow } from '../core/milestone-header.js';
import { headerOf, taskRowsOf } from '../core/milestone-header.js';
import type { MilestoneState } from '../core/projection.js';
import { type MilestoneStatus, type Mode, PHASES, type Phase } from '../core/types.js';
import type { GateState } from '../decision/gates.js';
import { gates } from '../decision/gates.js';

/** One task in `status --json`: its folded state plus what the plan says of it. */
/** A task as status prints it; `worker` names the queue worker running it (`execute --queue`, src/distributed/). */
export type TaskView = TaskRow & { worker?: string };

/** The document `status --json` prints (docs/contract.md, with additions). */
export interface StatusView {
  id: string;
  title: string;
  status: MilestoneStatus;
  mode: Mode | null;
  modeReason: string | null;
  /** The adoption level of the decision, and what `auto` would have chosen (observe / opt-in). */
  adoption: string | null;
  wouldHave: Mode | null;
  /** When planning turned into execution; null while only planned. */
  transitionedAt: string | null;
  /** Review gate of each phase (`none` where no approval is required). */
  gates: Record<Phase, GateState>;
  progress: { overall: number; phases: Record<Phase, number> };
  tasks: TaskView[];
  git: { base: string; branch: string; head: string | null };
  version: number;
  created: string;
  updated: string;
  /**
   * The coordinator holding the milestone's lease, if any. `alive` is false when its process is
   * gone (killed: the next `execute` resumes), null when it runs on another host.
   */
  coordinator: { pid: number; host: string; alive: boolean | null; heartbeatAt: string } | null;
}

/** What the caller knows about the lease holder (the store and `process` are outside the core). */
export type CoordinatorFacts = StatusView['coordinator'];

/** Builds the status document from the projection. Pure. */
export function statusView(
  state: MilestoneState,
  config: Config,
  coordinator: CoordinatorFacts = null,
): StatusView {
  return statusViewOf(headerOf(state), taskRowsOf(state), config, coordinator);
}

/** Builds the status document from the store's read rows (no plan needed). Pure. */
export function statusViewOf(
  header: MilestoneHeader,
  tasks: TaskRow[],
  config: Config,
  coordinator: CoordinatorFacts = null,
): StatusView {
  return {
    id: header.id,
    title: header.title,
    status: header.status,
    mode: header.mode,
    modeReason: header.modeReason,
    adoption: header.adoption,
    wouldHave: header.wouldHave,
    transitionedAt: header.transitionedAt,
    gates: gates(header, config),
    progress: header.progress,
    tasks,
    git: { base: header.base, branch: header.branch, head: header.head },
    version: header.version,
    created: header.created,
    updated: header.updated,
    coordinator,
  };
}

const BAR_WIDTH = 20;

/** A text progress bar: `[#####...............]  25%`. */
export function progressBar(percent: number): string {
  const filled = Math.round((percent / 100) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}%`;
}

/** Human rendering of the status document. */
export function formatStatus(view: StatusView): string {
  const lines = [
    `${view.id}  ${view.title}`,
    `status ${view.status}${view.mode ? `, mode ${view.mode}` : ''}   branch ${view.git.branch} (from ${view.git.base})`,
    `overall  ${progressBar(view.progress.overall)}`,
  ];
  if (view.coordinator) {
    const { pid, host, alive } = view.coordinator;
    lines.splice(
      2,
      0,
      alive === false
        ? `coordinator pid ${pid} on ${host} is gone: run \`milestone execute ${view.id}\` to resume`
        : `coordinator pid ${pid} on ${host}${alive === null ? ' (another host)' : ''}`,
    );
  } else if (view.status === 'executing') {
    lines.splice(2, 0, `no coordinator is running: run \`milestone execute ${view.id}\` to resume`);
  }
  if (view.modeReason)
    lines.splice(2, 0, `decision ${view.modeReason}${view.adoption ? ` [adoption ${view.adoption}]` : ''}`);
  for (const [phase, value] of Object.entries(view.progress.phases)) {
    const tasks = view.tasks.filter((t) => t.phase === phase);
    if (tasks.length === 0) continue;
    const done = tasks.filter((t) => t.status === 'succeeded' && t.merged).length;
    const gate = view.gates[phase as Phase];
    lines.push(
      `${phase.padEnd(8)} ${progressBar(value)}  ${done}/${tasks.length} tasks${gate !== 'none' ? `  (review: ${gate})` : ''}`,
    );
  }
  const notable = view.tasks.filter((t) => t.status !== 'pending' && !(t.status === 'succeeded' && t.merged));
  for (const task of notable) {
    lines.push(
      `  ${task.status.padEnd(10)} ${task.id}${task.worker ? ` on worker ${task.worker}` : ''}${task.reason ? `: ${task.reason}` : ''}`,
    );
  }
  // What `execute` said when the run ended, for whoever looks later.
  if (view.status === 'failed')
    lines.push(`next: run \`milestone execute ${view.id}\` again to retry what did not land`);
  // Paused (Ctrl-C, `--phase`, a review gate): what execute said when it stopped.
  if (view.status === 'paused') {
    const inReview = PHASES.find((phase) => view.gates[phase] === 'in_review');
    lines.push(
      inReview
        ? `next: milestone review ${view.id} --phase ${inReview} --approve, then milestone execute ${view.id}`
        : `next: run \`milestone execute ${view.id}\` to resume`,
    );
  }
  return lines.join('\n');
}
