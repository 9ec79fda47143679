import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gitExec, removeWorktree } from '../git/git.js';
import { serialQueue } from './merge-queue.js';
import { repoWorktreeDir } from './naming.js';
import type { WorktreeSetup } from './worktrees.js';
import { prepareWorktree } from './worktrees.js';

/**
 * Worktrees reused across tasks, one per running task at a time. A fresh `git worktree add`
 * checks out every file (about a second on a 2,000-file repository); switching a used one to
 * the next task's start with `checkout --force` + `clean` rewrites only what differs. Slots are
 * named `_slot-N`: the underscore cannot start a task id, so they never meet a task's path.
 */
export class WorktreePool {
  private readonly free: string[] = [];
  private readonly all = new Set<string>();
  /** Slots whose last task committed all its changes: no untracked file is left in them. */
  private readonly clean = new Set<string>();
  private readonly dir: string;
  /**
   * Worktree administration (add, move, remove, prune) one at a time: a `prune` running while
   * another `worktree add` is half done deletes that worktree's record.
   */
  private readonly admin = serialQueue();

  constructor(
    private readonly repoRoot: string,
    worktreeRoot: string,
    milestoneId: string,
    private readonly setup: WorktreeSetup,
  ) {
    this.dir = repoWorktreeDir(worktreeRoot, repoRoot, milestoneId);
  }

  /**
   * A worktree checked out at `startPoint`, on `branch` (created or reset there) or detached
   * when `branch` is null, with untracked files removed. Setup runs once per new slot; files to
   * copy are copied on every checkout. Returns why preparing failed, if it did.
   */
  async acquire(
    branch: string | null,
    startPoint: string,
    options: { logFile: string; signal: AbortSignal; timeoutMs: number },
  ): Promise<{ path: string; setupError: string | null }> {
    let path = this.free.pop();
    const fresh = path === undefined;
    if (path === undefined) {
      const slot = this.nextSlot();
      path = slot;
      // Reserved before any await: concurrent acquires must never pick the same slot.
      this.all.add(slot);
      await this.admin.run(async () => {
        mkdirSync(dirname(slot), { recursive: true });
        await removeWorktree(this.repoRoot, slot);
        rmSync(slot, { recursive: true, force: true });
        await gitExec(this.repoRoot, ['worktree', 'add', '--detach', '--quiet', slot, startPoint]);
      });
    }
    const target = branch === null ? ['--detach', startPoint] : ['--no-track', '-B', branch, startPoint];
    await gitExec(path, ['checkout', '--quiet', '--force', ...target]);
    // -ff: also nested repositories; ignored files (dependencies from setup) are kept. A slot whose
    // last task committed everything (`add -A`) has nothing untracked left to clean.
    if (!this.clean.has(path)) await gitExec(path, ['clean', '-ffdq']);
    this.clean.delete(path);
    const setupError = await prepareWorktree(
      this.repoRoot,
      path,
      { copy: this.setup.copy, setup: fresh ? this.setup.setup : null },
      options,
    );
    return { path, setupError };
  }

  /**
   * Gives a slot back. With `detach`, its branch is let go at once (a failed attempt's branch is
   * deleted, and a retry may check it out in another slot); landed branches are deleted in one
   * batch at the end of the run instead, saving two git calls per task.
   */
  async release(path: string, options: { detach?: boolean; committed?: boolean } = {}): Promise<void> {
    if (options.detach)
      await gitExec(path, ['checkout', '--quiet', '--detach'], { allowExitCodes: [1, 128] });
    if (options.committed) this.clean.add(path);
    this.free.push(path);
  }

  /**
   * Takes a slot out of the pool and moves it to `to` (a conflicted task's worktree, kept for
   * the person who resolves it).
   */
  async retire(path: string, to: string): Promise<void> {
    this.all.delete(path);
    await this.admin.run(async () => {
      await removeWorktree(this.repoRoot, to);
      rmSync(to, { recursive: true, force: true });
      await gitExec(this.repoRoot, ['worktree', 'move', path, to]);
    });
  }

  /**
   * Takes a worktree kept outside the pool (an interrupted task's, for resuming its session)
   * into the pool as a new slot, as it is: no checkout, no clean. Returns the slot's path.
   */
  async adopt(path: string): Promise<string> {
    const slot = this.nextSlot();
    this.all.add(slot);
    await this.admin.run(async () => {
      mkdirSync(dirname(slot), { recursive: true });
      await removeWorktree(this.repoRoot, slot);
      rmSync(slot, { recursive: true, force: true });
      await gitExec(this.repoRoot, ['worktree', 'move', path, slot]);
    });
    return slot;
  }

  /** Removes every slot (end of a run, or an abandoned one). */
  async removeAll(): Promise<void> {
    await this.admin.run(async () => {
      for (const path of this.all) {
        await removeWorktree(this.repoRoot, path);
        rmSync(path, { recursive: true, force: true });
      }
    });
    this.all.clear();
    this.free.length = 0;
  }

  private nextSlot(): string {
    for (let n = 1; ; n++) {
      const path = join(this.dir, `_slot-${n}`);
      if (!this.all.has(path)) return path;
    }
  }
}
