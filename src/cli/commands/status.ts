import { setTimeout as sleep } from 'node:timers/promises';
import { formatIntegration, integrationStatus } from '../../engine/integration/integration-status.js';
import { ExitError } from '../../errors.js';
import { openLiveView } from '../../report/live-view-session.js';
import type { StatusView } from '../../report/status-view.js';
import { formatStatus, statusView } from '../../report/status-view.js';
import { coordinatorFacts } from '../../workspace/coordinator-facts.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';
import { conflictsOf, formatConflict } from '../conflict-advice.js';
import type { Io } from '../io.js';
import { printJson } from '../io.js';
import { worktreeRoot } from './execute.js';

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
 */
export async function status(options: StatusOptions): Promise<StatusView> {
  const workspace = await openWorkspace(options.cwd);
  return withExistingStore(workspace, async (store) => {
    const where = {
      repoRoot: workspace.root,
      worktreeRoot: worktreeRoot(workspace, options.env ?? process.env),
    };
    const print = (view: StatusView) => {
      const conflicts = conflictsOf(store, store.state(view.id)!, where);
      const integration = integrationStatus(store.events(view.id, { types: ['intent', 'outcome'] }));
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
    const first = resolveMilestone(store, options.id);
    let view = statusView(first, workspace.config, coordinatorFacts(store, first.id));
    const env = options.env ?? process.env;
    const live = options.watch
      ? openLiveView({
          ...{ isTTY: options.io.isTTY, json: options.json, env },
          store,
          workspace,
          id: view.id,
          footerFromLog: true,
        })
      : null;
    if (live) live.refresh();
    else print(view);
    if (!options.watch) return view;
    const id = view.id;
    try {
      while (!SETTLED.has(view.status) && !options.signal?.aborted) {
        // A coordinator killed with -9 never settles the milestone: end with the resume hint.
        // The lease first, then the state: a run that ends records its status before letting go.
        const facts = coordinatorFacts(store, id);
        const now = resolveMilestone(store, id);
        if (now.status === 'executing' && (facts === null || facts.alive === false)) {
          const stale = now.version !== view.version || facts?.alive !== view.coordinator?.alive;
          view = statusView(now, workspace.config, facts);
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
        view = statusView(resolveMilestone(store, id), workspace.config, coordinatorFacts(store, id));
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
