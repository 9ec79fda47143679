import type { z } from 'zod';
import type { StoredEvent } from '../core/events.js';
import { computeProgress } from '../core/progress.js';
import type { MilestoneState } from '../core/projection.js';
import { applyEvent } from '../core/projection.js';
import type { ExitCode } from '../errors.js';
import { EXIT, ExitError } from '../errors.js';
import { printJson, recordingIo } from '../io/io.js';
import type { StatusView } from '../report/status-view.js';
import { openWorkspace, withExistingStore } from '../workspace/workspace.js';
import type { executeInput, statusInput } from './run-inputs.js';
import type { Run, RunEvent } from './runs.js';
import { runSummary } from './runs.js';
import type { ToolContext } from './tool.js';

type ExecuteArgs = z.output<typeof executeInput>;
type StatusArgs = z.output<typeof statusInput>;

/** How often a status wait looks at the store when no run of this server reports events. */
const POLL_MS = 1000;
const EXIT_CODES = new Set<number>(Object.values(EXIT));

/** One line for a progress notification about an event, or null when it moves no number. */
function describe(event: RunEvent): string | null {
  const task = typeof event.taskId === 'string' ? event.taskId : '';
  if (event.type === 'task_merged') return `task ${task} merged`;
  if (event.type === 'phase_committed') return `phase ${String(event.phase)} committed`;
  if (event.type === 'milestone_status') return `milestone ${String(event.status)}`;
  if (event.type === 'task_status' && event.status !== 'running')
    return `task ${task} ${String(event.status)}`;
  return null;
}

async function readStatus(cwd: string, id: string | undefined): Promise<{ view: StatusView; doc: unknown }> {
  const { status } = await import('../cli/commands/status.js');
  const io = recordingIo();
  const view = await status({ cwd, io, id, watch: false, json: true });
  return { view, doc: JSON.parse(io.stdout.join('\n')) as unknown };
}

/** The error a failed run answers with: the child's own message (it already names the cause). */
function runFailure(run: Run): ExitError {
  const result = run.result!;
  const message = result.stderrTail.trim().replace(/^milestone: /, '') || 'the run ended without a message';
  const code = result.exitCode !== null && EXIT_CODES.has(result.exitCode) ? result.exitCode : EXIT.failed;
  return new ExitError('MILESTONE_MCP_RUN', message, code as ExitCode);
}

/**
 * `milestone_execute`: a dry run answers in-process; a run starts `milestone execute --json` as a
 * child and answers as soon as it has started (or with its refusal, exit code and message). With
 * `wait` it answers when the run ends, sends progress as work lands, and a cancelled request
 * stops the run (state saved; `execute` resumes).
 */
export async function executeTool(context: ToolContext<ExecuteArgs>): Promise<void> {
  const { cwd, io, args, signal, runs } = context;
  if (args.dryRun) {
    await (await import('../cli/commands/execute.js')).execute({
      cwd,
      io,
      id: args.id,
      mode: args.mode,
      phase: args.phase,
      concurrency: args.concurrency,
      agent: args.agent,
      dryRun: true,
      json: true,
    });
    return;
  }
  const options = [
    ...(args.mode ? ['--mode', args.mode] : []),
    ...(args.phase ? ['--phase', args.phase] : []),
    ...(args.concurrency ? ['--concurrency', String(args.concurrency)] : []),
    ...(args.agent ? ['--agent', args.agent] : []),
    // `--` first: an id can never be read as an option.
    ...(args.id ? ['--', args.id] : []),
  ];
  const going = args.id ? runs.get(args.id) : undefined;
  if (going && going.result === null) {
    throw new ExitError(
      'MILESTONE_MCP_RUNNING',
      `milestone ${args.id} is already running from this server (pid ${going.pid}); follow it with milestone_status`,
      EXIT.locked,
    );
  }
  const run = runs.start(cwd, options, args.id);
  const stopOnCancel = () => run.stop();
  if (args.wait) signal.addEventListener('abort', stopOnCancel, { once: true });
  try {
    await run.started;
    if (!args.wait) {
      if (run.result && run.result.exitCode !== 0) throw runFailure(run);
      printJson(io, {
        id: run.milestoneId,
        started: run.result === null,
        pid: run.pid,
        ...runSummary(run),
        next: `poll milestone_status with { "id": "${run.milestoneId}" } (waitSeconds follows the run)`,
      });
      return;
    }
    await follow(context, run);
    for (const event of run.events) io.out(JSON.stringify(event));
    if (run.result!.exitCode !== 0) throw runFailure(run);
  } finally {
    signal.removeEventListener('abort', stopOnCancel);
  }
}

/** The milestone's state as stored now. */
async function readState(cwd: string, id: string): Promise<MilestoneState | undefined> {
  const workspace = await openWorkspace(cwd);
  return withExistingStore(workspace, (store) => store.state(id));
}

const overall = (state: MilestoneState) =>
  computeProgress(state.plan, state.tasks, { completed: state.status === 'completed' }).overall;

/**
 * Sends progress while `run` goes on; resolves when it has exited. The state is read once, then
 * each stored event the run prints is folded in, so every notification carries the exact
 * progress right after that event.
 */
async function follow(context: ToolContext<unknown>, run: Run): Promise<void> {
  let state: MilestoneState | undefined;
  const early: StoredEvent[] = [];
  const apply = (event: StoredEvent) => {
    if (!state || event.seq <= state.version) return;
    state = applyEvent(state, event) ?? state;
    const message = describe(event as unknown as RunEvent);
    if (message) context.progress(overall(state), message);
  };
  const unlisten = run.listen((event) => {
    // Stored events carry their position in the log; live ones (agent output, notes) do not.
    if (typeof event.seq !== 'number') return;
    if (state) apply(event as unknown as StoredEvent);
    else early.push(event as unknown as StoredEvent);
  });
  try {
    if (run.milestoneId) state = await readState(context.cwd, run.milestoneId);
    if (state) context.progress(overall(state), 'run started');
    for (const event of early.splice(0)) apply(event);
    await run.done;
  } finally {
    unlisten();
  }
}

/** Resolves at the run's next event or end, after `ms`, or when `signal` aborts. */
function nextChange(run: Run | undefined, signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unlisten?.();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const unlisten = run?.listen(done);
    void run?.done.then(done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * `milestone_status`: the status document, plus the run this server started for the milestone.
 * With `waitSeconds` it follows the milestone while it executes, sending progress.
 */
export async function statusTool(context: ToolContext<StatusArgs>): Promise<void> {
  const { cwd, io, args, signal, runs } = context;
  let { view, doc } = await readStatus(cwd, args.id);
  if (args.waitSeconds) {
    const stopWaiting = AbortSignal.any([signal, AbortSignal.timeout(args.waitSeconds * 1000)]);
    const going = () => {
      const run = runs.get(view.id);
      return run ? run.result === null : view.status === 'executing';
    };
    const landed = () =>
      `${view.status}: ${view.tasks.filter((t) => t.merged).length}/${view.tasks.length} tasks landed`;
    context.progress(view.progress.overall, landed());
    while (going() && !stopWaiting.aborted) {
      await nextChange(runs.get(view.id), stopWaiting, POLL_MS);
      ({ view, doc } = await readStatus(cwd, view.id));
      context.progress(view.progress.overall, landed());
    }
  }
  const run = runs.get(view.id);
  printJson(io, run ? { ...(doc as object), run: runSummary(run) } : doc);
}
