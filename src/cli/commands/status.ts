import { setTimeout as sleep } from 'node:timers/promises';
import { WORKER_STEP, withWorkers } from '../../distributed/worker-assignments.js';
import { ExitError, UsageError } from '../../errors.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import {
  formatIntegration,
  INTEGRATION_STATUS_STEPS,
  integrationStatus,
} from '../../report/integration-status.js';
import type { StatusView } from '../../report/status-view.js';
import { formatStatus, statusViewOf } from '../../report/status-view.js';
import type { Store } from '../../store/store.js';
import { coordinatorFacts } from '../../workspace/coordinator-facts.js';
import { resolveMilestoneId } from '../../workspace/resolve.js';
import { openWorkspace, type Workspace, withReadStore } from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';
import { conflictsOf, formatConflict } from '../conflict-advice.js';

export interface StatusOptions {
  cwd: string;
  io: Io;
  id?: string | undefined;
  watch: boolean;
  json: boolean;
  /** Poll interval for `--watch`. */
  intervalMs?: number;
  /** Ends `--watch` early (tests, embedding). */
  signal?: AbortSignal;
  /** Environment (`NO_COLOR`, `CI`, locating the worktrees); defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

const SETTLED = new Set(['completed', 'failed', 'cancelled', 'paused']);

/**
 * Prints the milestone's status. With `watch`, prints again each time the state changes (NDJSON
 * with `json`) until the milestone settles (completed, failed, cancelled or paused).
 *
 * Reads only what it prints: the milestone's header and task rows (`store.statusRows`), the
 * lease, the integration and queue-worker steps (indexed by step), and for conflicted tasks
 * their failed merges; never the plan, the whole state or the whole log.
 */
export async function status(options: StatusOptions): Promise<StatusView> {
  const workspace = await openWorkspace(options.cwd);
  return withReadStore(workspace, async (store) => {
    const env = options.env ?? process.env;
    const where = { repoRoot: workspace.root, worktreeRoot: worktreeRoot(workspace, env) };
    const print = (view: StatusView) => {
      const conflicts = conflictsOf(
        store,
        { id: view.id, branch: view.git.branch, tasks: view.tasks },
        where,
      );
      const integration = integrationStatus(store.events(view.id, { steps: INTEGRATION_STATUS_STEPS }));
      if (options.json && options.watch) options.io.out(JSON.stringify({ ...view, conflicts, integration }));
      else if (options.json) printJson(options.io, { ...view, conflicts, integration });
      else
        options.io.out(
          [
            formatStatus(view),
            ...formatIntegration(integration),
            ...conflicts.flatMap((c) => ['', ...formatConflict(view.git.branch, c)]),
          ].join('\n'),
        );
    };
    const id = resolveMilestoneId(store, options.id);
    let view = readView(store, workspace, id);
    if (!options.watch) {
      print(view);
      return view;
    }
    // The live terminal view (log-update and friends) loads only for --watch.
    const { openLiveView } = await import('../../report/live-view-session.js');
    const live = openLiveView({
      ...{ isTTY: options.io.isTTY, json: options.json, env },
      store,
      workspace,
      id,
      footerFromLog: true,
    });
    if (live) live.refresh();
    else print(view);
    try {
      while (!SETTLED.has(view.status) && !options.signal?.aborted) {
        // A coordinator killed with -9 never settles the milestone: end with the resume hint.
        // The lease first, then the state: a run that ends records its status before letting go.
        const now = readView(store, workspace, id);
        const facts = now.coordinator;
        if (now.status === 'executing' && (facts === null || facts.alive === false)) {
          const stale = now.version !== view.version || facts?.alive !== view.coordinator?.alive;
          view = now;
          if (stale) {
            if (live) live.refresh();
            else {
              if (!options.json) options.io.out('');
              print(view);
            }
          }
          throw new ExitError(
            'MILESTONE_COORDINATOR_GONE',
            `the coordinator of ${id}${facts ? ` (pid ${facts.pid} on ${facts.host})` : ''} is gone; run \`milestone execute ${id}\` to resume`,
          );
        }
        await sleep(options.intervalMs ?? 500, undefined, { ref: true }).catch(() => undefined);
        if (store.version(id) === view.version) continue;
        view = readView(store, workspace, id);
        if (live) live.refresh();
        else {
          if (!options.json) options.io.out('');
          print(view);
        }
      }
    } finally {
      live?.stop();
    }
    return view;
  });
}

/** The status document of `id`: the lease first, then the rows (see the loop above). */
function readView(store: Store, workspace: Workspace, id: string): StatusView {
  const facts = coordinatorFacts(store, id);
  const rows = store.statusRows(id);
  if (!rows) throw new UsageError('MILESTONE_UNKNOWN', `no milestone "${id}" (it was removed)`);
  const view = statusViewOf(rows.header, rows.tasks, workspace.config, facts);
  // Which queue worker runs each running task (`execute --queue`): read only while tasks run.
  if (!view.tasks.some((task) => task.status === 'running')) return view;
  return withWorkers(view, store.events(id, { types: ['outcome'], steps: [WORKER_STEP] }));
}
