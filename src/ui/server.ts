import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ID_PATTERN } from '../core/types.js';
import { attemptLogPath } from '../engine/naming.js';
import { ExitError, LockedError, UsageError } from '../errors.js';
import { recordingIo } from '../io/io.js';
import type { Store } from '../store/store.js';
import { openStore } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';
import { milestoneDocument, milestoneList } from './dashboard-data.js';
import { dashboardPage } from './page.js';
import { graphSvg, timelineSvg, usageSvg } from './svg.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  workspace: Workspace;
  host: string;
  port: number;
  /** Required by every action (approve, cancel, retry); random when absent. */
  token?: string;
  /** Where task worktrees are (for the conflict steps). */
  worktreeRoot: string;
  /** How often each live connection looks at the store. */
  pollMs?: number;
  /** Runs an action (review, cancel, retry) the way the CLI would; the command modules by default. */
  actions?: DashboardActions;
}

/** What the dashboard may change, each one function of the layer the CLI also calls. */
export interface DashboardActions {
  review(id: string, phase: string, decision: string, comment: string | undefined): Promise<void>;
  cancel(id: string): Promise<void>;
  /** Resumes the milestone in a background coordinator: failed tasks are queued again. */
  retry(id: string): Promise<void>;
}

/** A running dashboard. */
export interface Dashboard {
  url: string;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether `host` only listens on this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'the body must be a JSON object');
}

/** Reads at most 64 KiB of a log from `from`. */
function readChunk(path: string, from: number): { text: string; size: number } {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = statSync(path).size;
    const start = Math.min(Math.max(0, from), size);
    const length = Math.min(size - start, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, start);
    return { text: buffer.toString('utf8'), size: start + length };
  } catch {
    return { text: '', size: 0 };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function checkedId(value: string | undefined, what: string): string {
  if (!value || !ID_PATTERN.test(value)) throw new HttpError(400, `invalid ${what}`);
  return value;
}

/** The command modules, as the CLI runs them, with their output kept. */
export function commandActions(workspace: Workspace): DashboardActions {
  const cwd = workspace.root;
  return {
    review: async (id, phase, decision, comment) => {
      const { review } = await import('../cli/commands/review.js');
      await review({
        cwd,
        io: recordingIo(),
        id,
        phase,
        approve: decision === 'approve',
        reject: decision === 'reject',
        requestChanges: decision === 'request-changes',
        comment,
      });
    },
    cancel: async (id) => {
      const { cancel } = await import('../cli/commands/cancel.js');
      await cancel({ cwd, io: recordingIo(), id });
    },
    retry: async (id) => {
      // A coordinator of its own, detached: the dashboard may stop while it runs.
      const logDir = join(workspace.storeDir, 'logs', id);
      mkdirSync(logDir, { recursive: true, mode: 0o700 });
      const out = openSync(join(logDir, 'dashboard-execute.log'), 'a', 0o600);
      const cli = new URL('../cli/main.js', import.meta.url).pathname;
      const child = spawn(process.execPath, [cli, 'execute', id], {
        cwd,
        detached: true,
        stdio: ['ignore', out, out],
        env: { ...process.env, MILESTONE_PLAIN: '1' },
      });
      closeSync(out);
      child.unref();
    },
  };
}

/**
 * Serves the dashboard: the page, JSON and SVG of every milestone, live updates by server-sent
 * events fed from the store (a read-only connection: it survives coordinators coming and going),
 * attempt logs, and actions behind the token.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { workspace } = options;
  const token = options.token ?? randomBytes(24).toString('hex');
  const store: Store = openStore(workspace.storeDir, { readonly: true });
  const actions = options.actions ?? commandActions(workspace);
  const pollMs = options.pollMs ?? 250;
  const streams = new Set<ServerResponse>();
  let port = options.port;

  const authorized = (req: IncomingMessage): boolean => {
    const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const wanted = Buffer.from(token);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  };
  const allowedHost = (req: IncomingMessage): boolean => {
    // Against DNS rebinding: on loopback, only loopback names may address us.
    if (!isLoopback(options.host)) return true;
    const host = String(req.headers.host ?? '');
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host);
  };

  const stream = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const id = url.searchParams.get('id');
    const task = url.searchParams.get('task');
    if (id !== null) checkedId(id, 'milestone id');
    if (task !== null) checkedId(task, 'task id');
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    streams.add(res);
    let listKey = '';
    let version = -1;
    let logKey = '';
    let beat = 0;
    const tick = () => {
      try {
        const list = milestoneList(store, workspace);
        const key = list.map((m) => `${m.id}@${m.version}`).join(',');
        if (key !== listKey) {
          listKey = key;
          res.write(`event: list\ndata: ${JSON.stringify(list)}\n\n`);
        }
        if (id) {
          const current = store.version(id);
          const doc =
            current !== version ? milestoneDocument(store, workspace, id, options.worktreeRoot) : null;
          if (doc) {
            version = current;
            res.write(`event: view\ndata: ${JSON.stringify(doc)}\n\n`);
          }
          if (task) {
            const attempts = store.state(id)?.tasks[task]?.attempts ?? 0;
            const size =
              attempts > 0 ? (statSafe(attemptLogPath(workspace.storeDir, id, task, attempts)) ?? 0) : 0;
            const key2 = `${attempts}:${size}`;
            if (key2 !== logKey) {
              logKey = key2;
              res.write(`event: log\ndata: ${JSON.stringify({ task, attempt: attempts, size })}\n\n`);
            }
          }
        }
        if (++beat % Math.max(1, Math.round(15_000 / pollMs)) === 0) res.write(': keep-alive\n\n');
      } catch (error) {
        res.write(`event: problem\ndata: ${JSON.stringify(String(error))}\n\n`);
      }
    };
    tick();
    const timer = setInterval(tick, pollMs);
    req.on('close', () => {
      clearInterval(timer);
      streams.delete(res);
    });
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHost(req)) throw new HttpError(421, 'unexpected Host header');
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET') {
      if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', dashboardPage());
      if (url.pathname === '/api/milestones') return json(res, 200, milestoneList(store, workspace));
      if (url.pathname === '/api/stream') return stream(req, res, url);
      if (parts[0] === 'api' && parts[1] === 'milestones' && parts.length >= 3) {
        const id = checkedId(parts[2], 'milestone id');
        const doc = milestoneDocument(store, workspace, id, options.worktreeRoot);
        if (!doc) throw new HttpError(404, `no milestone ${id}`);
        if (parts.length === 3) return json(res, 200, doc);
        const svg = 'image/svg+xml; charset=utf-8';
        if (parts[3] === 'graph.svg')
          return send(
            res,
            200,
            svg,
            graphSvg(store.state(id)!.plan.tasks, Object.fromEntries(doc.view.tasks.map((t) => [t.id, t]))),
          );
        if (parts[3] === 'timeline.svg') return send(res, 200, svg, timelineSvg(doc.attempts, Date.now()));
        if (parts[3] === 'usage.svg') return send(res, 200, svg, usageSvg(doc.view.tasks));
        if (parts[3] === 'tasks' && parts[5] === 'log') {
          const task = checkedId(parts[4], 'task id');
          const attempt = Number(url.searchParams.get('attempt') ?? doc.logs[task]?.attempt ?? 1);
          if (!Number.isInteger(attempt) || attempt < 1) throw new HttpError(400, 'invalid attempt');
          const from = Number(url.searchParams.get('from') ?? 0);
          return json(res, 200, {
            task,
            attempt,
            ...readChunk(attemptLogPath(workspace.storeDir, id, task, attempt), from),
          });
        }
      }
      throw new HttpError(404, 'not found');
    }
    if (req.method === 'POST' && parts[0] === 'api' && parts[1] === 'milestones') {
      if (!authorized(req))
        throw new HttpError(403, 'this action needs the token printed when `milestone ui` started');
      const id = checkedId(parts[2], 'milestone id');
      const body = await readBody(req);
      if (parts[3] === 'review') {
        const decision = String(body.decision ?? '');
        if (!['approve', 'reject', 'request-changes'].includes(decision))
          throw new HttpError(400, 'decision must be approve, reject or request-changes');
        await actions.review(
          id,
          String(body.phase ?? ''),
          decision,
          typeof body.comment === 'string' ? body.comment : undefined,
        );
        return json(res, 200, { ok: true });
      }
      if (parts[3] === 'cancel') {
        await actions.cancel(id);
        return json(res, 200, { ok: true });
      }
      if (parts[3] === 'retry') {
        const lease = store.lease(id);
        if (lease && Date.now() - Date.parse(lease.heartbeatAt) < 10_000)
          throw new HttpError(409, `milestone ${id} is executing (pid ${lease.pid} on ${lease.host})`);
        await actions.retry(id);
        return json(res, 202, { ok: true });
      }
    }
    throw new HttpError(404, 'not found');
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.end();
      if (error instanceof HttpError) return json(res, error.status, { error: error.message });
      if (error instanceof UsageError) return json(res, 400, { error: error.message });
      // Locked by another host's coordinator, or refused by the state it is in.
      if (error instanceof LockedError || error instanceof ExitError)
        return json(res, 409, { error: error.message });
      json(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new UsageError(
          'MILESTONE_UI_LISTEN',
          `cannot listen on ${options.host}:${options.port}: ${(error as NodeJS.ErrnoException).code}${
            (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
              ? ' (the port is taken, perhaps by another `milestone ui`: choose one with --port N, or --port 0 for any free one)'
              : ''
          }`,
          [],
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  port = (server.address() as AddressInfo).port;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostPart}:${port}/`,
    token,
    close: async () => {
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      store.close();
    },
  };
}

function statSafe(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}
