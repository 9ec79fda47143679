import type { Usage } from '../core/events.js';
import type { Phase } from '../core/types.js';
import type { FailureKind } from './classify-failure.js';

/** One attempt of one task, as handed to an agent. */
export interface AgentRequest {
  /** The milestone's id. */
  milestoneId: string;
  /** The task to do. */
  task: {
    /** The task's id, unique within the milestone. */
    id: string;
    /** One-line title. */
    title: string;
    /** The lifecycle phase the task belongs to. */
    phase: Phase;
    /** Instructions for a coding agent. */
    prompt?: string;
    /** Command line for the `shell` agent. */
    run?: string;
    /** Globs of paths the task expects to touch. */
    files: string[];
    /** Command that must exit 0 afterwards; run by the engine, told to the agent for context. */
    verify?: string;
  };
  /** The task's own worktree; the agent runs there and changes nothing outside it. */
  worktree: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** Everything the agent prints goes here (one file per attempt). */
  logFile: string;
  /** The attempt's time limit; the agent's whole process tree is stopped after it. */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL when stopping; the process module's default if absent. */
  graceMs?: number;
  /** Extra environment variables for the agent's process. */
  env?: Record<string, string>;
  /**
   * The whole prompt, sent as is in place of the task prompt that `buildTaskPrompt` makes from
   * `task`: for roles other than doing a task (the planner). An `exec` agent gets it as `prompt`.
   */
  fullPrompt?: string;
  /**
   * The agent may read the worktree but must change nothing (planning): Claude Code runs with
   * `--permission-mode plan`, Codex with `--sandbox read-only`, Gemini CLI with
   * `--approval-mode default` (headless, it denies every tool that needs approval); an `exec`
   * agent gets `readOnly: true` in its request. Overrides the agent's configured permissions.
   */
  readOnly?: boolean;
  /** What the task may still spend, in USD; agents with their own cap (Claude) get it passed. */
  maxBudgetUsd?: number;
  /**
   * Continue this earlier session of the same agent (from a `session` event) instead of starting
   * from zero: Claude `--resume=<id>`, Codex `exec [options] resume <id>`, Gemini `--resume <id>`.
   * When the agent cannot resume it (unknown session), the adapter starts fresh and says so in
   * the log and a progress event. Adapters without sessions ignore it.
   */
  resumeSessionId?: string;
}

/**
 * What an agent run reports while it runs. The `result` event is always last and comes exactly
 * once, whatever happened (failure, timeout, cancellation, a program that could not start).
 */
export type AgentEvent =
  /** The agent's process is running; `pid` is also its process group id. */
  | { type: 'started'; pid: number | null }
  /** Something the agent said or did, for humans; never a measure of progress. */
  | { type: 'progress'; message: string }
  /** The run's usage so far (cumulative: a consumer keeps the last one). */
  | { type: 'usage'; usage: Usage }
  /** The agent's own session id, for resuming or looking the run up. */
  | { type: 'session'; sessionId: string }
  /** How the run ended. */
  | { type: 'result'; result: AgentResult };

/** How an agent run ended: the same shape for success, failure, timeout and cancellation. */
export interface AgentResult {
  /** The agent finished and says it succeeded (exit code and agent report agree). */
  ok: boolean;
  /** The process's exit code; `null` when killed by a signal or never started. */
  exitCode: number | null;
  /** The time limit stopped it. */
  timedOut: boolean;
  /** The abort signal stopped it. */
  canceled: boolean;
  /** One or a few lines saying what was done, for status views and commit bodies. */
  summary: string;
  /** Wall time of the run. */
  durationMs: number;
  /** Tokens and cost; fields are `null` where the agent does not report them. */
  usage: Usage;
  /** The agent's session id, if it has one. */
  sessionId?: string;
  /** Why it failed, one line. */
  error?: string;
  /**
   * The agent's final answer in full, for roles that read it (the planner): Claude Code's
   * `result` text, Codex's last `agent_message`, Gemini CLI's last assistant message, an `exec`
   * agent's `output` (else its `summary`). Absent when the agent gave none.
   */
  output?: string;
  /** Whether a retry may help (rate limit, overload, crash); false when it cannot (canceled, missing program). */
  retryable: boolean;
  /** Why it failed, as data the engine acts on (absent on success, timeout and cancellation). */
  failureKind?: FailureKind;
  /**
   * When the agent said its quota opens again (usage limit, rate limit with a reset time), as
   * epoch milliseconds; absent when it did not say.
   */
  retryAt?: number;
  /** Whether this run continued an earlier session (`resumeSessionId`) or started fresh. */
  resumed?: boolean;
}

/** Whether an agent can run on this machine. */
export interface ProbeResult {
  available: boolean;
  /** Whether the agent is logged in, where its CLI can tell cheaply (`claude auth status`). */
  loggedIn?: boolean;
  /** The agent program's version, when it tells. */
  version?: string;
  /** Why it is not available, one line (e.g. "claude not found on PATH"). */
  reason?: string;
}

/** An agent adapter: probe() and run() are required; everything else optional. */
export interface AgentAdapter {
  /** The name plans and config use (`agent: shell`). */
  readonly name: string;
  /** Checks that the agent can run here, without doing any work. */
  probe(): Promise<ProbeResult>;
  /**
   * Runs one attempt in `request.worktree`. Never throws for a failed run: it ends with a
   * `result` event. Aborting `signal` stops the agent's whole process tree.
   */
  run(request: AgentRequest, signal: AbortSignal): AsyncIterable<AgentEvent>;
  /**
   * The agent program's arguments that continue session `sessionId` (from a `session` event),
   * e.g. `["--resume=<id>"]` for Claude Code, `["resume", "<id>"]` for Codex (after its options);
   * absent when the agent cannot resume. Set `request.resumeSessionId` to use them.
   */
  resumeArgs?(sessionId: string): string[];
}
