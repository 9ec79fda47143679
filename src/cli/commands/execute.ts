import { existsSync } from 'node:fs';
import type { Config } from '../../config/config.js';
import { analyzeGraph } from '../../core/analysis.js';
import { formatSpan } from '../../core/duration.js';
import type { MilestoneState } from '../../core/projection.js';
import type { Phase } from '../../core/types.js';
import { gateMessage } from '../../decision/gates.js';
import { modeLine } from '../../decision/mode.js';
import type { ConcurrencyChoice } from '../../decision/resources.js';
import { formatSpend, sumUsage } from '../../engine/budget.js';
import type { EngineResult } from '../../engine/coordinator.js';
import { runsInParallel } from '../../engine/phase-barrier.js';
import { EXIT, ExitError } from '../../errors.js';
import { requireGit } from '../../git/git-on-path.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import { startNotifier } from '../../notify/notifier.js';
import { openLiveView } from '../../report/live-view-session.js';
import type { Reporter } from '../../report/reporter.js';
import { compositeReporter, ndjsonReporter, textReporter } from '../../report/reporter.js';
import type { ModeChoice } from '../../run/choose-mode.js';
import {
  checkStartable,
  dryRunRefusal,
  type ExecuteRequest,
  prepareExecute,
} from '../../run/prepare-execute.js';
import { type RunFlags, runExecute } from '../../run/run-execute.js';
import { cancellingPid } from '../../workspace/cancel-marker.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';
import { nextAfterRun } from '../advice.js';
import { conflictSteps, formatConflict } from '../conflict-advice.js';

/**
 * `execute`'s options: what to run (`ExecuteRequest`) and the flags that tune the run
 * (`RunFlags`), both declared below the CLI in `src/run/`, plus where the command writes.
 */
export interface ExecuteOptions extends Omit<ExecuteRequest, 'env'>, RunFlags {
  cwd: string;
  io: Io;
  json: boolean;
  verbose?: boolean;
  /** Stops the run like SIGINT does (tests, embedding). The CLI wires SIGINT/SIGTERM to it. */
  signal?: AbortSignal;
  /** Extra reporter (tests, embedding). */
  reporter?: Reporter;
  /** Environment for locating the state directory; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

function dryRun(
  io: Io,
  state: MilestoneState,
  mode: ModeChoice,
  concurrency: ConcurrencyChoice,
  phases: Phase[],
  json: boolean,
): void {
  const plan = {
    ...state.plan,
    tasks: state.plan.tasks.filter((t) => phases.includes(t.phase) && !state.tasks[t.id]!.merged),
  };
  const analysis = analyzeGraph(plan);
  if (json) {
    printJson(io, {
      id: state.id,
      mode: mode.mode,
      modeReason: mode.reason,
      concurrency: concurrency.concurrency,
      phases,
      waves: analysis.waves,
      criticalPath: analysis.criticalPath,
      parallelScore: analysis.parallelScore,
      overlaps: analysis.overlaps,
    });
    return;
  }
  io.out(`dry run of ${state.id}: nothing will be changed`);
  io.out(modeLine(mode.mode, mode.reason));
  io.out(`concurrency ${concurrency.explanation}`);
  io.out(
    `critical path ${formatSpan(analysis.criticalPath.length)}: ${analysis.criticalPath.path.join(' -> ') || '(nothing to run)'}`,
  );
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  analysis.waves.forEach((wave, index) => {
    const phase = byId.get(wave[0]!)?.phase;
    const parallel = runsInParallel(mode.mode, phase);
    io.out(
      `wave ${index + 1} [${phase}${parallel ? `, up to ${Math.min(concurrency.concurrency, wave.length)} at once` : ', one at a time'}]: ${wave.join(', ')}`,
    );
  });
  for (const overlap of analysis.overlaps)
    io.out(`serialized (files overlap): ${overlap.a} and ${overlap.b}`);
}

/** The report printed when a run stops on failures or conflicts. */
export function failureReport(id: string, branch: string, result: EngineResult, repoRoot = ''): string {
  const lines: string[] = [];
  for (const failed of result.failed)
    lines.push(`failed: ${failed.taskId}: ${failed.reason}\n  log: ${failed.log}`);
  for (const conflict of result.conflicted) {
    const worktreeExists = existsSync(conflict.worktree);
    const steps = conflictSteps({
      milestoneId: id,
      milestoneBranch: branch,
      taskBranch: conflict.branch,
      worktree: conflict.worktree,
      worktreeExists,
      repoRoot,
    });
    const advice = { ...conflict, worktreeExists, reason: conflict.reason ?? null, steps };
    lines.push(...formatConflict(branch, advice));
  }
  if (result.skipped.length)
    lines.push(`skipped (a task they need did not land): ${result.skipped.join(', ')}`);
  lines.push(`run \`milestone execute ${id}\` again to retry what did not land.`);
  return lines.join('\n');
}

/**
 * Runs (or resumes) a planned milestone. Exit 0 when the requested phases landed, 1 when a task
 * failed or conflicted, 3 when another coordinator holds it, 130 when interrupted. The run is
 * prepared and run below the CLI (`src/run/`); this command prints and maps the result.
 */
export async function execute(options: ExecuteOptions): Promise<EngineResult | null> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const env = options.env ?? process.env;
  return withExistingStore(workspace, async (store) => {
    const prepared = await prepareExecute(workspace, store, { ...options, env }, (line) =>
      options.io.err(line),
    );
    const { state, mode, concurrency, phases, worktrees } = prepared;
    if (options.dryRun) {
      dryRun(options.io, state, mode, concurrency, phases, options.json);
      for (const line of worktrees.lines(mode.mode, concurrency.concurrency))
        options.json ? options.io.err(line) : options.io.out(line);
      // A dry run that would be refused says so by its exit code too (2), with the fix.
      const refusal = dryRunRefusal(prepared);
      if (refusal) throw refusal;
      return null;
    }
    checkStartable(prepared);

    const write = (line: string) => options.io.out(line);
    const live = openLiveView({
      isTTY: options.io.isTTY,
      json: options.json,
      env,
      store,
      workspace,
      id: state.id,
    });
    const reporters: Reporter[] = [
      live?.reporter ??
        (options.json ? ndjsonReporter(write) : textReporter(write, { verbose: options.verbose ?? false })),
    ];
    const notifier = startNotifier({
      config: workspace.config,
      read: () => store.state(state.id),
      env,
      cwd: workspace.root,
      say: (line, bell) => (live ? live.note(line, bell) : options.io.err(bell ? `\u0007${line}` : line)),
    });
    reporters.push(notifier.reporter);
    if (options.reporter) reporters.push(options.reporter);
    const stop = new AbortController();
    // Kept for the whole run: a second or third Ctrl-C must not kill the process halfway
    // through saving state; the first one already asked everything to stop.
    const onSignal = () => stop.abort();
    let started = false;
    let result: EngineResult;
    try {
      result = await runExecute(prepared, {
        ...options,
        reporter: compositeReporter(reporters),
        signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal,
        say: (line) => options.io.err(line),
        started: () => {
          started = true;
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
          if (options.json) return;
          options.io.err(`executing ${state.id} (${state.title}) on ${state.branch}`);
          options.io.err(`${modeLine(mode.mode, mode.reason)}; concurrency ${concurrency.explanation}`);
          for (const line of worktrees.lines(mode.mode, concurrency.concurrency)) options.io.err(line);
        },
      });
    } finally {
      // Refused before the run started (locked, base branch, queue): nothing to stop yet.
      if (started) {
        live?.stop();
        await notifier.close();
        // Once interrupted the process is about to end: the handler stays, so more Ctrl-C presses
        // while the state is saved and the message printed cannot kill it without a word.
        if (!stop.signal.aborted) {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }
    }
    const cancelledBy = result.interrupted ? cancellingPid(workspace.storeDir, state.id) : null;
    if (cancelledBy !== null) {
      throw new ExitError(
        'MILESTONE_RUN_CANCELLED',
        `stopped by \`milestone cancel\` (pid ${cancelledBy}): state saved; what landed stays on ${state.branch}, and the milestone is marked cancelled (it does not resume)`,
        EXIT.interrupted,
      );
    }
    return report(options, prepared.phases, store.state(state.id)!, result, workspace.root, workspace.config);
  });
}

/** What a finished run says: an error with its exit code, or the summary and the next step. */
function report(
  options: ExecuteOptions,
  phases: Phase[],
  final: MilestoneState,
  result: EngineResult,
  repoRoot: string,
  config: Config,
): EngineResult {
  const head = final.head ? ` (head ${final.head.slice(0, 10)})` : '';
  if (result.interrupted) {
    throw new ExitError(
      'MILESTONE_INTERRUPTED',
      `interrupted: state saved; run \`milestone execute ${final.id}\` to resume`,
      EXIT.interrupted,
    );
  }
  if (result.halted) {
    const spent = sumUsage(Object.values(final.tasks).map((t) => t.usage));
    throw new ExitError(
      result.halted.code,
      `milestone ${final.id} stopped: ${result.halted.message}\nspent so far: ${formatSpend(spent)}\n${failureReport(final.id, final.branch, result, repoRoot)}`,
    );
  }
  if (result.status === 'failed') {
    throw new ExitError(
      'MILESTONE_TASKS_FAILED',
      `milestone ${final.id} stopped\n${failureReport(final.id, final.branch, result, repoRoot)}`,
    );
  }
  const summary =
    result.status === 'completed'
      ? `completed: every task landed on ${final.branch}${head}`
      : result.pausedAt
        ? `paused${head}: ${gateMessage(final, config, result.pausedAt)}`
        : `paused after ${phases.join(', ')}${head}`;
  if (!options.json)
    options.io.err(`${summary}\n${nextAfterRun({ id: final.id, status: result.status }, result.pausedAt)}`);
  return result;
}
