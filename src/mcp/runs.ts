import { fileURLToPath } from 'node:url';
import { emptyResult, type ProcessResult, runProcess } from '../process/run-process.js';

/** The events a run keeps for its status and its failure report (the last ones). */
const KEPT_EVENTS = 500;
/** Time the coordinator gets after SIGTERM to save its state before SIGKILL. */
const COORDINATOR_GRACE_MS = 30_000;
/** The built CLI beside this module (dist/mcp/ -> dist/cli/main.js). */
const CLI_ENTRY = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** A stored or live event as `execute --json` prints it (one NDJSON line). */
export type RunEvent = Record<string, unknown> & { type: string };

/**
 * One `milestone execute --json` started by the MCP server, as a child process: the coordinator
 * keeps the CLI's lease, signals and exit codes, so `milestone cancel` (which signals the lease
 * holder) stops this child, never the server.
 */
export interface Run {
  /** The milestone, from the request or the run's first event. */
  milestoneId: string | null;
  pid: number | null;
  startedAt: string;
  /** The last events (NDJSON lines of `execute --json`), oldest first. */
  events: RunEvent[];
  /** Set when the child has exited. */
  result: ProcessResult | null;
  /** Resolves once the run has started (its first event) or ended before that. */
  started: Promise<void>;
  /** Resolves when the child has exited. */
  done: Promise<ProcessResult>;
  /** Stops the run like Ctrl-C: the coordinator saves its state and `execute` resumes it. */
  stop(): void;
  /** Calls `listener` with every later event; returns the unsubscribe function. */
  listen(listener: (event: RunEvent) => void): () => void;
}

/** The runs this server started, by milestone id (the latest per milestone). */
export class Runs {
  private readonly byMilestone = new Map<string, Run>();
  private readonly all = new Set<Run>();

  /** Starts `milestone execute --json <args>` in `cwd`. */
  start(cwd: string, args: string[], milestoneId: string | undefined): Run {
    const stop = new AbortController();
    const listeners = new Set<(event: RunEvent) => void>();
    let markStarted = () => {};
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const ended = (result: ProcessResult): ProcessResult => {
      run.result = result;
      markStarted();
      this.all.delete(run);
      return result;
    };
    const onLine = (line: string) => {
      let event: RunEvent;
      try {
        event = JSON.parse(line) as RunEvent;
      } catch {
        return; // not an event (execute --json prints only NDJSON on stdout)
      }
      if (run.milestoneId === null && typeof event.milestoneId === 'string') {
        run.milestoneId = event.milestoneId;
        this.byMilestone.set(event.milestoneId, run);
      }
      run.events.push(event);
      if (run.events.length > KEPT_EVENTS) run.events.shift();
      markStarted();
      for (const listener of listeners) listener(event);
    };
    const done = runProcess({
      file: process.execPath,
      args: [CLI_ENTRY, 'execute', '--json', ...args],
      cwd,
      env: { NO_COLOR: '1' },
      signal: stop.signal,
      graceMs: COORDINATOR_GRACE_MS,
      onStdoutLine: onLine,
      onStart: (pid) => {
        run.pid = pid;
      },
    }).then(ended, (error: unknown) =>
      // The program could not start: a run that ended at once, with the cause as its message.
      ended({
        ...emptyResult(),
        stderrTail: `milestone: could not start the run: ${error instanceof Error ? error.message : String(error)}`,
      }),
    );
    const run: Run = {
      milestoneId: milestoneId ?? null,
      pid: null,
      startedAt: new Date().toISOString(),
      events: [],
      result: null,
      started,
      done,
      stop: () => stop.abort(),
      listen: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    if (run.milestoneId) this.byMilestone.set(run.milestoneId, run);
    this.all.add(run);
    return run;
  }

  /** The latest run of a milestone started by this server, if any. */
  get(milestoneId: string): Run | undefined {
    return this.byMilestone.get(milestoneId);
  }

  /** Stops every running run (state saved, resumable) and waits for them to exit. */
  async stopAll(): Promise<void> {
    const running = [...this.all];
    for (const run of running) run.stop();
    await Promise.all(running.map((run) => run.done));
  }
}

/** What a client sees of a run: whether it is still going and, once ended, how. */
export function runSummary(run: Run, lastEvents = 20): Record<string, unknown> {
  return {
    pid: run.pid,
    startedAt: run.startedAt,
    running: run.result === null,
    exitCode: run.result?.exitCode ?? null,
    ...(run.result?.signal && { signal: run.result.signal }),
    ...(run.result && run.result.exitCode !== 0 && { message: run.result.stderrTail.trim() }),
    events: run.events.slice(-lastEvents),
  };
}
