import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { AgentAdapter } from '../../agents/adapter.js';
import { resolveAgents } from '../../agents/registry.js';
import { parseQueueUrl } from '../../distributed/queue-url.js';
import { PASSWORD_VARIABLE } from '../../distributed/queued-execute.js';
import { UsageError } from '../../errors.js';
import { gitExec } from '../../git/git.js';
import { requireGit } from '../../git/git-on-path.js';
import type { Io } from '../../io/io.js';
import { lowerOwnPriority } from '../../process/run-priority.js';
import { ensurePrivateDir } from '../../store/private-dir.js';
import { openWorkspace } from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';

export interface WorkerCommandOptions {
  cwd: string;
  io: Io;
  queue: string;
  concurrency?: number | undefined;
  /** Comma-separated agent names; default: every agent whose probe succeeds here. */
  agents?: string | undefined;
  repo?: string | undefined;
  remote?: string | undefined;
  /** Milliseconds without a lock renewal before a job counts as stalled (default 30 s). */
  stallTimeout?: number | undefined;
  env?: Record<string, string | undefined>;
  /** Stops the worker like SIGTERM (tests, embedding); a second signal is `force`. */
  signal?: AbortSignal;
  /**
   * Lower this whole process to the run's priority (config `limits.nice`), as `execute` does, so
   * its git processes and agents inherit it: the CLI does; an embedding program keeps its own
   * (the task processes are lowered all the same).
   */
  lowerOwnPriority?: boolean;
}

/**
 * `milestone worker`: runs queued task attempts in this clone until SIGTERM/SIGINT (the first
 * finishes running tasks, a second hands them back to the queue). Bad flags exit 2 before
 * anything connects.
 */
export async function worker(options: WorkerCommandOptions): Promise<void> {
  const env = options.env ?? process.env;
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.repo ? resolve(options.cwd, options.repo) : options.cwd);
  const url = parseQueueUrl(options.queue, '--queue', env[PASSWORD_VARIABLE] || undefined);
  const remote = options.remote ?? 'origin';
  if (!/^[\w.-]+$/.test(remote) || remote.startsWith('-'))
    throw new UsageError('MILESTONE_BAD_REMOTE', `--remote: invalid remote name ${JSON.stringify(remote)}`);
  const known = await gitExec(workspace.root, ['remote', 'get-url', remote], { allowExitCodes: [2, 128] });
  if (known.exitCode !== 0)
    throw new UsageError(
      'MILESTONE_BAD_REMOTE',
      `--remote: ${workspace.root} has no remote "${remote}" (the coordinator's task branches come through it)`,
    );
  const resolved = resolveAgents(workspace.config.agents, {
    file: workspace.configFile,
    baseDir: workspace.root,
  });
  if (resolved.problems.length)
    throw new UsageError('MILESTONE_CONFIG', `invalid agents in ${workspace.configFile}`, resolved.problems);
  const adapters = await offeredAgents(resolved.adapters, options.agents);
  // Attempt logs live in the clone's runtime folder: private, and never committed.
  ensurePrivateDir(workspace.storeDir);
  const ignore = join(workspace.storeDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n', { mode: 0o600 });
  if (options.lowerOwnPriority) lowerOwnPriority(workspace.config.limits.nice);
  const stop = new AbortController();
  const force = new AbortController();
  const onSignal = () => (stop.signal.aborted ? force.abort() : stop.abort());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  options.signal?.addEventListener('abort', onSignal, { once: true });
  const { runWorker } = await import('../../distributed/worker.js');
  try {
    await runWorker({
      url,
      repoRoot: workspace.root,
      storeDir: workspace.storeDir,
      worktreeRoot: worktreeRoot(workspace, env),
      worktrees: workspace.config.worktrees,
      limits: workspace.config.limits,
      remote,
      adapters,
      concurrency: options.concurrency ?? 1,
      stallMs: options.stallTimeout ?? 30_000,
      workerId: `${hostname()}-${process.pid}`,
      say: (line) => options.io.err(line),
      signal: stop.signal,
      force: force.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The agents named by `--agents` (each must be available here), else every available one. */
async function offeredAgents(
  adapters: Map<string, AgentAdapter>,
  list: string | undefined,
): Promise<Map<string, AgentAdapter>> {
  const names = list
    ? list
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
    : [...adapters.keys()];
  const offered = new Map<string, AgentAdapter>();
  for (const name of names) {
    const adapter = adapters.get(name);
    if (!adapter) {
      throw new UsageError(
        'MILESTONE_BAD_AGENTS',
        `--agents: unknown agent "${name}" (known: ${[...adapters.keys()].join(', ')})`,
      );
    }
    const probe = await adapter.probe();
    if (probe.available) offered.set(name, adapter);
    else if (list)
      throw new UsageError(
        'MILESTONE_BAD_AGENTS',
        `--agents: ${name} is not available here: ${probe.reason ?? 'its probe failed'}`,
      );
  }
  if (offered.size === 0)
    throw new UsageError('MILESTONE_BAD_AGENTS', 'no agent is available on this machine');
  return offered;
}
