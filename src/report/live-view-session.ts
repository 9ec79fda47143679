import { attemptLogPath } from '../engine/naming.js';
import type { Store } from '../store/store.js';
import { coordinatorFacts } from '../workspace/coordinator-facts.js';
import type { Workspace } from '../workspace/workspace.js';
import type { LiveStream, LiveTerminal } from './live-view-terminal.js';
import { liveTerminal, liveViewWanted } from './live-view-terminal.js';
import { statusView } from './status-view.js';

/** What `execute` and `status --watch` know when they decide how to show progress. */
export interface LiveViewContext {
  /** The command's `io.isTTY`: stdout is a terminal. */
  isTTY: boolean;
  json: boolean;
  env: Record<string, string | undefined>;
  store: Store;
  workspace: Workspace;
  id: string;
  /** For status --watch: footer lines come from the store's log. */
  footerFromLog?: boolean;
  /** The terminal; `process.stdout` by default. */
  stream?: LiveStream;
}

/**
 * The live terminal view of one milestone, or null when plain lines fit better (not a TTY, CI,
 * `--json`, `TERM=dumb`, `MILESTONE_PLAIN`): the caller then keeps its line reporter.
 */
export function openLiveView(context: LiveViewContext): LiveTerminal | null {
  const stream = context.stream ?? process.stdout;
  if (!liveViewWanted(context.isTTY && stream.isTTY === true, context.env, context.json)) return null;
  const { store, workspace, id } = context;
  return liveTerminal({
    stream,
    env: context.env,
    footerFromLog: context.footerFromLog ?? false,
    read: () => statusView(store.state(id)!, workspace.config, coordinatorFacts(store, id)),
    events: (afterSeq) => store.events(id, { afterSeq }),
    logPath: (taskId, attempt) =>
      attempt > 0 ? attemptLogPath(workspace.storeDir, id, taskId, attempt) : null,
  });
}
