import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { UsageError } from '../../errors.js';
import type { Io } from '../../io/io.js';
import { findExecutable } from '../../process/which.js';
import { isLoopback, startDashboard } from '../../ui/server.js';
import { openWorkspace, storeExists } from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';

/** The port `milestone ui` listens on unless told otherwise. */
export const DEFAULT_UI_PORT = 7357;

export interface UiOptions {
  cwd: string;
  io: Io;
  port?: number | undefined;
  /** Address to listen on; anything but loopback needs `allowRemote`. */
  host?: string | undefined;
  allowRemote?: boolean | undefined;
  /** Open the page in the desktop's browser (`xdg-open` / `open`). */
  open?: boolean | undefined;
  env?: Record<string, string | undefined>;
  /** Stops the server (tests, embedding); SIGINT and SIGTERM do too. */
  signal?: AbortSignal;
}

/**
 * Serves the web dashboard of this repository's milestones until interrupted. Read-only for
 * anyone who can reach it; actions need the token it prints.
 */
export async function ui(options: UiOptions): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_UI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError('MILESTONE_BAD_PORT', `--port must be an integer from 0 to 65535 (got ${port})`);
  if (!isLoopback(host) && !options.allowRemote) {
    throw new UsageError(
      'MILESTONE_UI_REMOTE',
      `refusing to listen on ${host}: the dashboard would be reachable from other machines. Pass --allow-remote to do it anyway (actions still need the token).`,
    );
  }
  const workspace = await openWorkspace(options.cwd);
  if (!storeExists(workspace))
    throw new UsageError(
      'MILESTONE_NONE_PLANNED',
      `no milestone planned in ${workspace.root} yet (milestone plan --from FILE)`,
    );
  const env = options.env ?? process.env;
  if (!isLoopback(host))
    options.io.err(
      `warning: listening on ${host}: anyone who can reach this address can read every milestone`,
    );
  const dashboard = await startDashboard({
    workspace,
    host,
    port,
    worktreeRoot: worktreeRoot(workspace, env),
  });
  options.io.out(`dashboard: ${dashboard.url}`);
  options.io.out(
    `token: ${dashboard.token}   (actions need it; or open ${dashboard.url}#token=${dashboard.token})`,
  );
  options.io.err('read-only without the token; Ctrl-C stops the server');
  if (options.open) openBrowser(`${dashboard.url}#token=${dashboard.token}`, env, workspace.root, options.io);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    if (!signal.aborted) await once(signal, 'abort');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await dashboard.close();
  }
}

function openBrowser(url: string, env: Record<string, string | undefined>, cwd: string, io: Io): void {
  const opener = ['xdg-open', 'open'].map((p) => findExecutable(p, { pathEnv: env.PATH, cwd })).find(Boolean);
  if (!opener) {
    io.err('--open: no xdg-open or open on PATH; open the address above by hand');
    return;
  }
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
