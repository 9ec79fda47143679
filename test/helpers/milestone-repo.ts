import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { BackgroundCli, CliResult } from './git-repo.js';
import { gitRepo, milestone, spawnMilestone, tempDir, writeFiles } from './git-repo.js';

/** A repository with a private state dir (worktrees) and helpers to plan and run milestones. */
export interface MilestoneRepo {
  root: string;
  stateHome: string;
  env: Record<string, string>;
  run(args: string[]): Promise<CliResult>;
  /** Starts the CLI without waiting (for kill -9 and lock tests). */
  spawn(args: string[]): BackgroundCli;
  /** Writes `plan.yaml` from an object and runs `milestone plan --from plan.yaml`. */
  plan(document: Record<string, unknown>): Promise<CliResult>;
  /** `status --json` parsed. */
  status(id: string): Promise<StatusJson>;
  /** Worktree folders left under the state dir (pool slots, kept on purpose, are not counted). */
  leftoverWorktrees(): string[];
  /** The pool's slot folders (`_slots/_slot-N`), kept between runs. */
  slots(): string[];
}

export interface StatusJson {
  id: string;
  status: string;
  mode: string | null;
  progress: { overall: number; phases: Record<string, number> };
  tasks: Array<{
    id: string;
    status: string;
    attempts: number;
    merged: boolean;
    reason: string | null;
    startedAt: string | null;
    finishedAt: string | null;
    usage: Record<string, number | null>;
  }>;
  git: { base: string; branch: string; head: string | null };
}

export async function milestoneRepo(files: Record<string, string> = {}): Promise<MilestoneRepo> {
  const root = await gitRepo({ files });
  const stateHome = tempDir('milestone-state-');
  const env = { XDG_STATE_HOME: stateHome };
  const repo: MilestoneRepo = {
    root,
    stateHome,
    env,
    run: async (args) => await milestone(root, args, env),
    spawn: (args) => spawnMilestone(root, args, env),
    plan: async (document) => {
      writeFiles(root, { 'plan.yaml': stringify(document) });
      return await repo.run(['plan', '--from', 'plan.yaml']);
    },
    status: async (id) => {
      const result = await repo.run(['status', id, '--json']);
      if (result.code !== 0) throw new Error(`status failed: ${result.stderr}`);
      return JSON.parse(result.stdout) as StatusJson;
    },
    slots: () => {
      const base = join(stateHome, 'milestone', 'worktrees');
      if (!existsSync(base)) return [];
      return readdirSync(base).flatMap((repoDir) => {
        const dir = join(base, repoDir, '_slots');
        return existsSync(dir)
          ? readdirSync(dir)
              .filter((n) => /^_slot-\d+$/.test(n))
              .map((n) => join(dir, n))
          : [];
      });
    },
    leftoverWorktrees: () => {
      const base = join(stateHome, 'milestone', 'worktrees');
      if (!existsSync(base)) return [];
      // `_slots` holds the pool's slots, kept between runs on purpose: not leftovers.
      return readdirSync(base).flatMap((repoDir) =>
        readdirSync(join(base, repoDir))
          .filter((m) => m !== '_slots')
          .flatMap((m) => readdirSync(join(base, repoDir, m)).map((t) => join(repoDir, m, t))),
      );
    },
  };
  return repo;
}

/** Start and end of each task's successful final attempt, from the status document. */
export function intervals(status: StatusJson): Array<{ id: string; start: number; end: number }> {
  return status.tasks
    .filter((t) => t.startedAt && t.finishedAt)
    .map((t) => ({ id: t.id, start: Date.parse(t.startedAt!), end: Date.parse(t.finishedAt!) }));
}

/** The largest number of intervals open at one instant. */
export function maxOverlap(spans: Array<{ start: number; end: number }>): number {
  const points = spans.flatMap((s) => [
    { t: s.start, d: 1 },
    { t: s.end, d: -1 },
  ]);
  points.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const p of points) {
    open += p.d;
    max = Math.max(max, open);
  }
  return max;
}

/** Resolves once a spawned CLI has printed `text` on stdout or stderr; rejects if it exits first. */
export function waitForOutput(child: ReturnType<MilestoneRepo['spawn']>, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const { stdout, stderr } = child.output();
      if (`${stdout}${stderr}`.includes(text)) resolve();
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('exit', () =>
      reject(new Error(`exited before printing ${text}: ${JSON.stringify(child.output())}`)),
    );
  });
}

/** The exit code of a spawned CLI, once it exits. */
export function exited(
  child: Pick<ChildProcess, 'exitCode' | 'signalCode' | 'once'>,
): Promise<number | null> {
  // A child that already ended (while the test awaited something else) never emits 'exit' again.
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * A task's shell line that kills its own coordinator with SIGKILL (the pid in its slot's `.lock`),
 * as a `kill -9` of `milestone execute` in the middle of the task.
 */
export const KILL_COORDINATOR = `kill -9 $(sed 's/.*"pid":\\([0-9]*\\).*/\\1/' "$MILESTONE_WORKTREE.lock")`;
