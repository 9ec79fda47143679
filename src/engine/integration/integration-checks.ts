import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../config/config.js';
import type { MilestoneEvent, StoredEvent } from '../../core/events.js';
import type { MilestoneState } from '../../core/projection.js';
import type { Phase, TaskSpec } from '../../core/types.js';
import { ExitError } from '../../errors.js';
import { gitExec, updateRefCas } from '../../git/git.js';
import { trailerBlock } from '../landing.js';
import { attemptLogPath, milestoneBranch, runTrailer, TRAILER } from '../naming.js';
import { bisectLandings } from './bisect.js';
import { type CheckResult, IntegrationWorktree } from './integration-worktree.js';
import { intentProblems } from './intent.js';
import { type BranchHistory, type BranchLanding, branchHistory, isAncestor } from './landings.js';
import { integrationSettings } from './settings.js';

/** What the coordinator lends the integration checks: its store, queue and branch head. */
export interface IntegrationHost {
  repoRoot: string;
  worktreeRoot: string;
  storeDir: string;
  milestoneId: string;
  config: Config;
  graceMs: number;
  signal: AbortSignal;
  state(): MilestoneState;
  events(): readonly StoredEvent[];
  record(...events: MilestoneEvent[]): void;
  note(level: 'info' | 'warn', message: string): void;
  /** Runs a job in the merge queue, serialized with landings (a revert moves the branch). */
  serialize<T>(job: () => Promise<T>): Promise<T>;
  /** The milestone branch head as the run knows it. */
  head(): Promise<string>;
  /** Tells the run the branch moved to `head` (after a revert). */
  moved(head: string): void;
  /** Test hook (`MILESTONE_TEST_PAUSE_AT`): wait at this step until the run is killed. */
  pauseAt?: string | undefined;
}

/** What the phase gate decided: commit the phase, run reverted tasks again, or stop. */
export interface PhaseGate {
  ok: boolean;
  /** Tasks reverted and queued again: run them, then ask again. */
  requeued: string[];
  /** Tasks reverted with no retries left. */
  failed: Array<{ taskId: string; reason: string; log: string }>;
  /** Why the phase cannot be committed (environment failure, revert conflict). */
  reason?: string;
}

/** The steps recorded as `intent`/`outcome` events (`execute --json`, `metrics`, `status`). */
export const INTEGRATION_STEPS = {
  check: 'integration_check',
  bisect: 'integration_bisect',
  baseline: 'integration_baseline',
  revert: 'integration_revert',
  intent: 'integration_intent',
  process: 'integration_process',
} as const;

/** Environment variable carrying the failing integration output to a reverted task's next attempt. */
export const FEEDBACK_ENV = 'MILESTONE_INTEGRATION_FAILURE';

/**
 * Integration checks on the combined milestone tree (issue 10): a merge train of checks after
 * landings (`each` / `batch`), a final check before each phase commit, bisection of a red batch
 * over its landings (read from git trailers, so a kill -9 loses nothing), the culprit reverted
 * with a `Reverted:` commit and queued again with the failure, and each task's intent re-checked.
 */
export class IntegrationChecks {
  private readonly worktree: IntegrationWorktree;
  private train: Promise<void> | null = null;
  private again = false;
  private readonly requeued = new Set<string>();
  private readonly failed: PhaseGate['failed'] = [];
  private halted: string | null = null;
  private checks = 0;
  /** Intent checks already passed: `task:landing:head`. */
  private readonly intentPassed = new Set<string>();
  private readonly reported = new Set<string>();
  /** Reverts per task, read from git once (see `revertsOf`). */
  private reverts: Promise<Map<string, number>> | null = null;
  /** Feedback files per reverted task (see `feedbackFiles`). */
  private feedbackByTask: Map<string, { file: string; command: string }> | null = null;

  constructor(private readonly host: IntegrationHost) {
    this.worktree = new IntegrationWorktree(host.repoRoot, host.worktreeRoot, host.milestoneId);
    this.checks = host
      .events()
      .filter((e) => e.type === 'intent' && e.step.startsWith('integration_')).length;
  }

  /** After a task landed: in `each`/`batch` mode, start (or extend) the merge train of checks. */
  landed(task: TaskSpec): void {
    const settings = integrationSettings(this.host.state().plan, this.host.config, task.phase);
    if (settings.commands.length === 0 || settings.mode === 'phase') return;
    if (this.train) {
      this.again = true;
      return;
    }
    this.train = (async () => {
      do {
        this.again = false;
        await this.checkUntilGreen(task.phase);
      } while (this.again && !this.stopped());
    })()
      .catch((error: unknown) => this.halt(`integration check could not run: ${String(error)}`))
      .finally(() => {
        this.train = null;
      });
  }

  /**
   * Before a phase commit: wait for the train, check the head once more, re-check each task's
   * intent. The phase commit is made only when this says `ok` with nothing requeued.
   */
  async beforePhaseCommit(phase: Phase): Promise<PhaseGate> {
    while (this.train) await this.train;
    try {
      if (!this.halted && !this.stopped()) await this.checkUntilGreen(phase);
      if (!this.halted && !this.stopped() && this.requeued.size === 0) await this.checkIntent(phase);
    } catch (error) {
      this.halt(`integration check could not run: ${String(error)}`);
    }
    const requeued = [...this.requeued];
    this.requeued.clear();
    const failed = this.failed.splice(0);
    if (this.halted) return { ok: false, requeued, failed, reason: this.halted };
    return { ok: failed.length === 0 && !this.stopped(), requeued, failed };
  }

  /** Tasks reverted during the phase so far (they run again before the phase gate). */
  takeRequeued(): string[] {
    const ids = [...this.requeued];
    this.requeued.clear();
    return ids;
  }

  /**
   * Reverts of `taskId` so far (they count as its retries), from git: the truth after a crash.
   * Read once per run (one `git log` for every task); this run's own reverts are counted as made.
   */
  async revertsOf(taskId: string): Promise<number> {
    if (!this.reverts) this.reverts = this.readReverts();
    return (await this.reverts).get(taskId) ?? 0;
  }

  private async readReverts(): Promise<Map<string, number>> {
    const state = this.host.state();
    const { stdout } = await gitExec(this.host.repoRoot, [
      'log',
      '--first-parent',
      `--format=%(trailers:key=${TRAILER.task},valueonly,separator=%x2C)%x1f%(trailers:key=${TRAILER.reverted},valueonly)%x1e`,
      `refs/heads/${state.base}..refs/heads/${state.branch}`,
    ]);
    const counts = new Map<string, number>();
    for (const [task, reverted] of stdout.split('\x1e').map((r) => r.trim().split('\x1f'))) {
      const id = task?.trim();
      if (id && reverted?.trim()) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * The failing integration output a reverted task's next attempt gets: an environment
   * variable (`MILESTONE_INTEGRATION_FAILURE`, the file holding it) and a prompt section.
   * Null once the task landed again after its last revert.
   */
  feedback(taskId: string): { env: Record<string, string>; prompt: string } | null {
    const { file, command } = this.feedbackFiles().get(taskId) ?? { file: null, command: '' };
    if (!file) return null;
    const output = readText(file);
    return {
      env: { [FEEDBACK_ENV]: file },
      prompt: [
        '',
        '## Integration check failed after your previous attempt landed',
        `Your previous attempt passed on its own but \`${command}\` failed on the combined milestone`,
        'branch with it, so it was reverted. Make your change work together with the rest. Output:',
        '```',
        output.slice(-4000),
        '```',
      ].join('\n'),
    };
  }

  /**
   * Each reverted task's feedback file, from the log once per run, then kept up to date by this
   * run's reverts and landings: reading the log per task start was quadratic on big milestones.
   */
  private feedbackFiles(): Map<string, { file: string; command: string }> {
    if (this.feedbackByTask) return this.feedbackByTask;
    const files = new Map<string, { file: string; command: string }>();
    for (const event of this.host.events()) {
      if (event.type === 'intent' && event.step === INTEGRATION_STEPS.revert && event.taskId) {
        const file = typeof event.detail?.feedback === 'string' ? event.detail.feedback : null;
        const command = typeof event.detail?.command === 'string' ? event.detail.command : '';
        if (file) files.set(event.taskId, { file, command });
        else files.delete(event.taskId);
      } else if (event.type === 'task_merged') files.delete(event.taskId);
    }
    this.feedbackByTask = files;
    return files;
  }

  /** A task landed (any style): its feedback from an earlier revert is done with. */
  taskLanded(taskId: string): void {
    this.feedbackByTask?.delete(taskId);
  }

  /** The task with the failing integration output appended to its prompt, when it has some. */
  withFeedback(task: TaskSpec): TaskSpec {
    const feedback = this.feedback(task.id);
    return feedback ? { ...task, prompt: `${task.prompt ?? task.title}\n${feedback.prompt}` } : task;
  }

  /** Removes the integration worktree (end of run). */
  async close(): Promise<void> {
    while (this.train) await this.train;
    await this.worktree.remove().catch(() => undefined);
  }

  private stopped(): boolean {
    return this.host.signal.aborted;
  }

  private halt(reason: string): void {
    if (this.halted) return;
    this.halted = reason;
    this.host.note('warn', reason);
  }

  private async pause(step: string): Promise<void> {
    if (this.host.pauseAt !== step) return;
    this.host.note('info', `paused at ${step} (MILESTONE_TEST_PAUSE_AT)`);
    await new Promise((resolve) => this.host.signal.addEventListener('abort', resolve, { once: true }));
  }

  /** The newest commit an integration check passed on that the head still contains. */
  private async greenBase(head: string): Promise<string> {
    const events = this.host.events();
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i]!;
      if (event.type !== 'outcome' || event.step !== INTEGRATION_STEPS.check || !event.ok) continue;
      const commit = event.detail?.commit;
      if (typeof commit === 'string' && (await isAncestor(this.host.repoRoot, commit, head))) return commit;
    }
    const state = this.host.state();
    const { stdout } = await gitExec(this.host.repoRoot, ['merge-base', `refs/heads/${state.base}`, head]);
    return stdout.trim();
  }

  /** The tree holding the first `prefix` live landings: a commit, and the reverted landings to undo on it. */
  private candidate(history: BranchHistory, live: BranchLanding[], base: string, prefix: number) {
    if (prefix === 0) return { commit: base, reverts: [] as BranchLanding[] };
    const landing = live[prefix - 1]!;
    const at = history.landings.indexOf(landing);
    const reverts = history.landings.slice(0, at).filter((l) => history.reverted.has(l.sha));
    return { commit: landing.sha, reverts };
  }

  private async runCheck(
    step: string,
    phase: Phase,
    commands: string[],
    target: { commit: string; reverts: BranchLanding[] },
    detail: Record<string, unknown>,
  ): Promise<CheckResult> {
    this.checks += 1;
    const log = join(
      this.host.storeDir,
      'logs',
      this.host.milestoneId,
      'integration',
      `check-${this.checks}.log`,
    );
    mkdirSync(dirname(log), { recursive: true, mode: 0o700 });
    this.host.record({
      type: 'intent',
      step,
      detail: { phase, commit: target.commit, without: target.reverts.map((r) => r.taskId), log, ...detail },
    });
    if (step === INTEGRATION_STEPS.bisect) await this.pause(step);
    const applied = await this.worktree.at(target.commit, target.reverts);
    const state = this.host.state();
    const result: CheckResult = applied
      ? await this.worktree.run(commands, {
          env: {
            MILESTONE_REPO_ROOT: this.host.repoRoot,
            MILESTONE_ID: this.host.milestoneId,
            MILESTONE_PHASE: phase,
          },
          logFile: log,
          timeoutMs: state.plan.defaults.timeoutMs,
          graceMs: this.host.graceMs,
          signal: this.host.signal,
          onStart: (pid) =>
            this.host.record({ type: 'intent', step: INTEGRATION_STEPS.process, detail: { pid } }),
        })
      : {
          ok: false,
          command: 'git revert',
          exitCode: null,
          output: 'a reverted landing does not revert cleanly on this tree',
          durationMs: 0,
          canceled: false,
        };
    if (result.canceled) return result;
    this.host.record({
      type: 'outcome',
      step,
      ok: result.ok,
      detail: {
        phase,
        commit: target.commit,
        command: result.command,
        durationMs: result.durationMs,
        log,
        ...(!result.ok && { exitCode: result.exitCode, output: result.output.slice(-2000) }),
        ...detail,
      },
    });
    return result;
  }

  /**
   * Checks the head; when red, finds the culprit among the landings since the last green check,
   * reverts it and checks again, until green, halted, or interrupted.
   */
  private async checkUntilGreen(phase: Phase): Promise<void> {
    const settings = integrationSettings(this.host.state().plan, this.host.config, phase);
    if (settings.commands.length === 0) return;
    let rerun = false;
    for (let round = 0; round < 1000 && !this.halted && !this.stopped(); round++) {
      const head = await this.host.head();
      const base = await this.greenBase(head);
      if (base === head) return;
      const history = await branchHistory(this.host.repoRoot, base, head, this.host.milestoneId);
      const live = history.landings.filter((l) => !history.reverted.has(l.sha));
      const n = live.length;
      let culprit: number | null = null;
      let failure: CheckResult | null = null;
      if (settings.mode === 'each') {
        for (let k = 1; k <= n && culprit === null; k++) {
          const target = k === n ? { commit: head, reverts: [] } : this.candidate(history, live, base, k);
          const result = await this.runCheck(INTEGRATION_STEPS.check, phase, settings.commands, target, {
            batch: 1,
            task: live[k - 1]!.taskId,
          });
          if (result.canceled) return;
          if (!result.ok) {
            culprit = k;
            failure = result;
          }
        }
        if (culprit === null && n > 0) return;
      }
      if (culprit === null) {
        const tasks = live.map((l) => l.taskId);
        const result = await this.runCheck(
          INTEGRATION_STEPS.check,
          phase,
          settings.commands,
          { commit: head, reverts: [] },
          { batch: n, tasks, ...(rerun && { rerun: true }) },
        );
        if (result.canceled || result.ok) {
          if (result.ok && rerun)
            this.host.note('warn', 'the integration check passed on a re-run: it is flaky');
          return;
        }
        failure = result;
        if (n === 0) {
          this.halt(`the integration check \`${result.command}\` fails with no task landing to blame`);
          return;
        }
        this.host.note(
          'warn',
          `integration check \`${result.command}\` failed at ${head.slice(0, 10)}; ${n === 1 ? `one landing since the last green check: ${live[0]!.taskId}` : `bisecting ${n} landings`}`,
        );
        let canceled = false;
        const found = await bisectLandings(n, async (prefix) => {
          const probe = await this.runCheck(
            INTEGRATION_STEPS.bisect,
            phase,
            settings.commands,
            this.candidate(history, live, base, prefix),
            { prefix, of: n, task: live[prefix - 1]!.taskId },
          );
          canceled ||= probe.canceled;
          if (!probe.ok) failure = probe;
          return probe.ok;
        });
        if (canceled || this.stopped()) return;
        culprit = found.culprit;
      }
      // The culprit is the first landing; is the tree without any of the batch green?
      if (culprit === 1) {
        const baseline = await this.runCheck(
          INTEGRATION_STEPS.baseline,
          phase,
          settings.commands,
          this.candidate(history, live, base, 0),
          { batch: n },
        );
        if (baseline.canceled) return;
        if (!baseline.ok) {
          if (!rerun) {
            rerun = true;
            this.host.note(
              'warn',
              'the integration check also fails without any of the batch: flaky or environment? re-running once',
            );
            continue;
          }
          this.halt(
            `the integration check \`${baseline.command}\` fails without any of the batch's landings (at ${base.slice(0, 10)}): an environment problem or a flaky check; stopped (log: ${String(this.lastLog())})`,
          );
          return;
        }
      }
      await this.revert(live[culprit - 1]!, failure!, phase);
    }
  }

  private lastLog(): string | null {
    const events = this.host.events();
    for (let i = events.length - 1; i >= 0; i--) {
      const detail =
        events[i]!.type === 'outcome'
          ? (events[i] as { detail?: Record<string, unknown> }).detail
          : undefined;
      if (typeof detail?.log === 'string') return detail.log;
    }
    return null;
  }

  /**
   * Reverts `landing` on the milestone branch (a commit with its `Task-Id` and `Reverted:`),
   * then queues its task again with the failure, or fails it when its retries are used up.
   */
  private async revert(
    landing: BranchLanding,
    failure: CheckResult,
    phase: Phase,
    cause?: string,
  ): Promise<void> {
    const state = this.host.state();
    const spec = state.plan.tasks.find((t) => t.id === landing.taskId);
    if (!spec)
      throw new ExitError(
        'MILESTONE_INTEGRATION',
        `landing ${landing.sha} names unknown task ${landing.taskId}`,
      );
    const used = await this.revertsOf(spec.id);
    const feedback = join(
      dirname(attemptLogPath(this.host.storeDir, this.host.milestoneId, spec.id, 1)),
      `integration-${used + 1}.log`,
    );
    mkdirSync(dirname(feedback), { recursive: true, mode: 0o700 });
    writeFileSync(feedback, `$ ${failure.command}\n${failure.output}\n`, { mode: 0o600 });
    this.host.record({
      type: 'intent',
      step: INTEGRATION_STEPS.revert,
      taskId: spec.id,
      detail: { phase, landing: landing.sha, command: failure.command, feedback, ...(cause && { cause }) },
    });
    this.host.note(
      'warn',
      `${spec.id}: its landing ${landing.sha.slice(0, 10)} broke \`${failure.command}\`; reverting it`,
    );
    this.feedbackFiles().set(spec.id, { file: feedback, command: failure.command });
    const branch = milestoneBranch(this.host.milestoneId);
    const commit = await this.host.serialize(async () => {
      const head = await this.host.head();
      const message = `Revert task ${spec.id}: ${spec.title}\n\nThe integration check \`${failure.command}\` failed with this landing.\n\n${trailerBlock(
        {
          [TRAILER.milestone]: this.host.milestoneId,
          [TRAILER.task]: spec.id,
          [TRAILER.reverted]: landing.sha,
          ...runTrailer(state.runId),
        },
      )}\n`;
      const sha = await this.worktree.revertCommit(head, landing, message);
      if (!sha) return null;
      if (!(await updateRefCas(this.host.repoRoot, branch, sha, head)))
        throw new ExitError(
          'MILESTONE_BRANCH_MOVED',
          `${branch} moved during a revert; another writer is active`,
        );
      this.host.moved(sha);
      return sha;
    });
    if (!commit) {
      this.host.record({
        type: 'outcome',
        step: INTEGRATION_STEPS.revert,
        taskId: spec.id,
        ok: false,
        detail: { landing: landing.sha, reason: 'the revert does not apply cleanly' },
      });
      this.halt(
        `${spec.id}: its landing ${landing.sha.slice(0, 10)} cannot be reverted cleanly; a person must fix the branch`,
      );
      return;
    }
    // `revertsOf` above read the counts: this run's revert is counted as made.
    (await this.reverts)?.set(spec.id, used + 1);
    await this.pause(INTEGRATION_STEPS.revert);
    this.host.record({
      type: 'outcome',
      step: INTEGRATION_STEPS.revert,
      taskId: spec.id,
      ok: true,
      detail: {
        phase,
        landing: landing.sha,
        commit,
        command: failure.command,
      },
    });
    const retries = spec.retries ?? state.plan.defaults.retries;
    const why = `${cause ? `${cause}; ` : ''}\`${failure.command}\` failed on the combined tree with it; reverted as ${commit.slice(0, 10)}`;
    if (used + 1 > retries) {
      const reason = `${why}; no retries left`;
      this.host.record({
        type: 'task_status',
        taskId: spec.id,
        status: 'failed',
        reason: `${reason} (log: ${feedback})`,
      });
      this.failed.push({ taskId: spec.id, reason, log: feedback });
      return;
    }
    this.host.record({
      type: 'task_status',
      taskId: spec.id,
      status: 'pending',
      reason: `${why}; queued again`,
    });
    this.requeued.add(spec.id);
  }

  /**
   * Item 4: each task's own `verify` again at the head when a later landing touched its files;
   * a task's created files must still exist. The landing that broke a verify is reverted.
   */
  private async checkIntent(phase: Phase): Promise<void> {
    const state = this.host.state();
    const head = await this.host.head();
    const base = (
      await gitExec(this.host.repoRoot, ['merge-base', `refs/heads/${state.base}`, head])
    ).stdout.trim();
    const history = await branchHistory(this.host.repoRoot, base, head, this.host.milestoneId);
    const problems = await intentProblems(this.host.repoRoot, state.plan, phase, history, head);
    for (const deleted of problems.deleted) {
      const key = `${deleted.taskId}:${deleted.path}:${deleted.by.sha}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      this.host.record({
        type: 'outcome',
        step: INTEGRATION_STEPS.intent,
        taskId: deleted.taskId,
        ok: false,
        detail: {
          phase,
          kind: 'deleted',
          file: deleted.path,
          by: deleted.by.taskId,
          landing: deleted.by.sha,
        },
      });
      this.host.note(
        'warn',
        `${deleted.taskId}: its file ${deleted.path} was deleted by ${deleted.by.taskId} (landing ${deleted.by.sha.slice(0, 10)}), whose plan does not say it removes it`,
      );
    }
    const live = history.landings.filter((l) => !history.reverted.has(l.sha));
    for (const recheck of problems.recheck) {
      const key = `${recheck.landing.taskId}:${recheck.landing.sha}:${head}`;
      if (this.intentPassed.has(key)) continue;
      const result = await this.runCheck(
        INTEGRATION_STEPS.intent,
        phase,
        [recheck.verify],
        { commit: head, reverts: [] },
        { task: recheck.landing.taskId, touchedBy: recheck.later.map((l) => l.taskId) },
      );
      if (result.canceled) return;
      if (result.ok) {
        this.intentPassed.add(key);
        continue;
      }
      // Which later landing broke it: bisect over the landings that touched its files.
      const found = await bisectLandings(recheck.later.length, async (prefix) => {
        const landing = recheck.later[prefix - 1]!;
        const target = this.candidate(history, live, base, live.indexOf(landing) + 1);
        const probe = await this.runCheck(INTEGRATION_STEPS.bisect, phase, [recheck.verify], target, {
          task: recheck.landing.taskId,
          prefix,
          of: recheck.later.length,
        });
        return probe.ok;
      });
      if (this.stopped()) return;
      const breaker = recheck.later[found.culprit - 1]!;
      this.host.note(
        'warn',
        `${recheck.landing.taskId}: its verify \`${recheck.verify}\` fails on the combined tree since ${breaker.taskId} landed (${breaker.sha.slice(0, 10)})`,
      );
      await this.revert(breaker, result, phase, `broke ${recheck.landing.taskId}'s verify`);
      return;
    }
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
