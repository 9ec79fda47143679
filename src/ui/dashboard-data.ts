import { statSync } from 'node:fs';
import type { Usage } from '../core/events.js';
import { sumUsage } from '../core/usage.js';
import { attemptLogPath, taskWorktreePath } from '../engine/naming.js';
import { integrationState } from '../report/live-view.js';
import type { StatusView } from '../report/status-view.js';
import { statusView } from '../report/status-view.js';
import type { Store } from '../store/store.js';
import { coordinatorFacts } from '../workspace/coordinator-facts.js';
import type { Workspace } from '../workspace/workspace.js';
import type { AttemptSpan } from './timeline.js';
import { attemptSpans } from './timeline.js';

/** A conflicted task and how a person resolves it. */
export interface ConflictHelp {
  taskId: string;
  reason: string | null;
  worktree: string;
  steps: string[];
}

/** Everything the dashboard shows of one milestone, as JSON. */
export interface MilestoneDocument {
  view: StatusView;
  usage: Usage;
  conflicts: ConflictHelp[];
  integration: string | null;
  attempts: AttemptSpan[];
  /** Size in bytes of each task's latest attempt log (the page tails the one it shows). */
  logs: Record<string, { attempt: number; size: number }>;
}

/** One line per milestone in the list. */
export interface MilestoneSummary {
  id: string;
  title: string;
  status: string;
  overall: number;
  version: number;
  updated: string;
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

/** Every milestone of the repository, newest change first. */
export function milestoneList(store: Store, workspace: Workspace): MilestoneSummary[] {
  return store
    .list()
    .map((state) => {
      const view = statusView(state, workspace.config);
      return {
        id: state.id,
        title: state.title,
        status: state.status,
        overall: view.progress.overall,
        version: state.version,
        updated: state.updated,
      };
    })
    .sort((a, b) => b.updated.localeCompare(a.updated));
}

/** The dashboard's document of one milestone, read from the store, the logs and nothing else. */
export function milestoneDocument(
  store: Store,
  workspace: Workspace,
  id: string,
  worktreeRoot: string,
): MilestoneDocument | null {
  const state = store.state(id);
  if (!state) return null;
  const view = statusView(state, workspace.config, coordinatorFacts(store, id));
  const events = store.events(id, { types: ['task_status', 'milestone_status', 'intent', 'outcome'] });
  const conflicts = view.tasks
    .filter((t) => t.status === 'conflicted')
    .map((t) => {
      const worktree = taskWorktreePath(worktreeRoot, workspace.root, id, t.id);
      return {
        taskId: t.id,
        reason: t.reason,
        worktree,
        steps: [
          `cd ${worktree}`,
          `git merge ${state.branch}   # then edit the conflicting files`,
          'git add -A && git commit --no-edit',
          `milestone execute ${id}   # lands the resolved task and continues`,
        ],
      };
    });
  const logs: MilestoneDocument['logs'] = {};
  for (const task of view.tasks) {
    if (task.attempts === 0) continue;
    const size = fileSize(attemptLogPath(workspace.storeDir, id, task.id, task.attempts));
    if (size !== null) logs[task.id] = { attempt: task.attempts, size };
  }
  return {
    view,
    usage: sumUsage(view.tasks.map((t) => t.usage)),
    conflicts,
    integration: integrationState(events),
    attempts: attemptSpans(events),
    logs,
  };
}
