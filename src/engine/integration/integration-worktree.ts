import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gitExec, identityArgs, removeWorktree } from '../../git/git.js';
import { addingWorktree } from '../../git/worktree-add-gate.js';
import { runProcess } from '../../process/run-process.js';
import { repoWorktreeDir } from '../naming.js';
import type { BranchLanding } from './landings.js';

/** How one integration check ended. */
export interface CheckResult {
  ok: boolean;
  /** The command that failed (or the last one run). */
  command: string;
  exitCode: number | null;
  /** The failing command's last output (stdout then stderr), for reports and the agent's retry. */
  output: string;
  durationMs: number;
  canceled: boolean;
}

/**
 * The milestone's integration worktree, beside its task worktrees (`<id>/_integration`; task
 * ids never start with `_`): detached, checked out at whatever tree is being checked. The
 * person's working tree is never used.
 */
export class IntegrationWorktree {
  readonly path: string;

  constructor(
    private readonly repoRoot: string,
    worktreeRoot: string,
    milestoneId: string,
  ) {
    this.path = join(repoWorktreeDir(worktreeRoot, repoRoot, milestoneId), '_integration');
  }

  /**
   * Checks out `commit` (detached, clean), then undoes `reverts` without committing: the tree
   * of the branch as it would be without those landings. False when a revert does not apply.
   */
  async at(commit: string, reverts: readonly BranchLanding[] = []): Promise<boolean> {
    if (!existsSync(this.path)) {
      await addingWorktree(this.repoRoot, () =>
        gitExec(this.repoRoot, ['worktree', 'add', '--quiet', '--detach', this.path, commit]),
      );
    } else {
      await gitExec(this.path, ['revert', '--quit'], { allowExitCodes: [128] });
      await gitExec(this.path, ['checkout', '--quiet', '--force', '--detach', commit]);
      await gitExec(this.path, ['clean', '-ffdq']);
    }
    for (const landing of [...reverts].reverse()) {
      const args = ['revert', '--no-commit', ...(landing.merge ? ['-m', '1'] : []), landing.sha];
      const { exitCode } = await gitExec(this.path, args, { allowExitCodes: [1] });
      if (exitCode !== 0) return false;
    }
    return true;
  }

  /** Runs `commands` in order at the checked-out tree; stops at the first that fails. */
  async run(
    commands: readonly string[],
    options: {
      env: Record<string, string>;
      logFile: string;
      timeoutMs: number;
      graceMs: number;
      signal: AbortSignal;
      /** The check's process group, so a later run can stop it if this coordinator dies. */
      onStart?: (pid: number) => void;
    },
  ): Promise<CheckResult> {
    const started = performance.now();
    let last: CheckResult = {
      ok: true,
      command: '',
      exitCode: 0,
      output: '',
      durationMs: 0,
      canceled: false,
    };
    for (const command of commands) {
      const result = await runProcess({
        file: command,
        args: [],
        shell: true,
        cwd: this.path,
        env: { ...options.env, MILESTONE_WORKTREE: this.path, MILESTONE_INTEGRATION: '1' },
        logFile: options.logFile,
        timeoutMs: options.timeoutMs,
        graceMs: options.graceMs,
        signal: options.signal,
        ...(options.onStart && { onStart: options.onStart }),
      });
      const ok = result.exitCode === 0 && !result.timedOut && !result.canceled;
      last = {
        ok,
        command,
        exitCode: result.exitCode,
        output: [result.stdoutTail, result.stderrTail]
          .filter((t) => t.trim())
          .join('\n')
          .trim(),
        durationMs: Math.round(performance.now() - started),
        canceled: result.canceled,
      };
      if (!ok) return last;
    }
    return { ...last, durationMs: Math.round(performance.now() - started) };
  }

  /**
   * A commit on top of `head` undoing `landing`, with `message` (its trailers), made in this
   * worktree; null when the revert does not apply cleanly. The caller moves the branch (CAS).
   */
  async revertCommit(head: string, landing: BranchLanding, message: string): Promise<string | null> {
    if (!(await this.at(head, [landing]))) return null;
    const identity = await identityArgs(this.path);
    await gitExec(this.path, [...identity, 'commit', '--quiet', '--allow-empty', '--no-verify', '-F', '-'], {
      input: message,
    });
    return (await gitExec(this.path, ['rev-parse', 'HEAD'])).stdout.trim();
  }

  /** Removes the worktree (end of run). */
  async remove(): Promise<void> {
    if (existsSync(this.path)) await removeWorktree(this.repoRoot, this.path);
  }
}
