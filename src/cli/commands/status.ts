import { setTimeout as sleep } from 'node:timers/promises';
import { openLiveView } from '../../report/live-view-session.js';
import type { StatusView } from '../../report/status-view.js';
import { formatStatus, statusView } from '../../report/status-view.js';
import { coordinatorFacts } from '../../workspace/coordinator-facts.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';
import type { Io } from '../io.js';
import { printJson } from '../io.js';

export interface StatusOptions {
  cwd: string;
  io: Io;
  id?: string | undefined;
  watch: boolean;
  json: boolean;
  /** Poll interval for `--watch`. */
  intervalMs?: number;
  /** Environment (`NO_COLOR`, `CI`); defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Ends `--watch` early (tests, embedding). */
  signal?: AbortSignal;
}

const SETTLED = new Set(['completed', 'failed', 'cancelled', 'paused']);

/**
 * Prints the milestone's status. With `watch`, prints again each time the state changes (NDJSON
 * with `json`) until the milestone settles (completed, failed, cancelled or paused).
 */
export async function status(options: StatusOptions): Promise<StatusView> {
  const workspace = await openWorkspace(options.cwd);
  return withExistingStore(workspace, async (store) => {
    const print = (view: StatusView) => {
      if (options.json && options.watch) options.io.out(JSON.stringify(view));
      else if (options.json) printJson(options.io, view);
      else options.io.out(formatStatus(view));
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
        await sleep(options.intervalMs ?? 500, undefined, { ref: true }).catch(() => undefined);
        if (store.version(id) === view.version) continue;
        view = statusView(resolveMilestone(store, id), workspace.config, coordinatorFacts(store, id));
        if (live) live.refresh();
        else if (!options.json) options.io.out('');
        if (!live) print(view);
      }
    } finally {
      live?.stop();
    }
    return view;
  });
}
