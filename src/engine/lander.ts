import type { Config } from '../config/config.js';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase, TaskSpec } from '../core/types.js';
import { ExitError } from '../errors.js';
import { CommitWriter } from '../git/commit-writer.js';
import { DisjointMerge } from '../git/disjoint-merge.js';
import { mergeInto, mergeTree, revParse } from '../git/git.js';
import { LooseBlobPacker } from '../git/loose-blobs.js';
import type { MergeTreeResult } from '../git/merge.js';
import { RefTransactions } from '../git/ref-transaction.js';
import { closeRepositoryWriters } from '../git/repository-writers.js';
import { landedFor, trailerBlock } from './landing.js';
import { emptyLandingPaths, type LandingPaths, Lineage } from './landing-paths.js';
import { type SerialQueue, serialQueue } from './merge-queue.js';
import { runTrailer, TRAILER } from './naming.js';
import { commitPhase } from './phase-commit.js';
import { inheritLeavingLinks } from './worktree-links.js';

/** What the lander needs from its run. */
export interface LanderHost {
  repoRoot: string;
  milestoneId: string;
  /** The milestone branch (`milestone/<id>`). */
  branch: string;
  config: Config;
  state(): MilestoneState;
  record(...events: MilestoneEvent[]): StoredEvent[];
}

/** A task's commit to land (parallel style). */
export interface LandingSource {
  /** The task's commit; absent: land the task branch's tip by the general merge (re-reads the branch). */
  commit?: string;
  /** That commit's parent: when it is the head the merge goes onto, the merge's tree is the commit's own. */
  parent?: string | null;
  /** The commit sits on its start point and adds no symlink leaving the worktree (see `inheritLeavingLinks`). */
  linksUnchanged?: boolean;
}

/** How a landing ended: the merge commit on the branch, or the paths that conflict. */
export type LandingResult = { commit: string } | { conflicts: string[] };

interface Staged {
  branch: string;
  message: string;
  commit: string;
  settle: (result: LandingResult | Promise<LandingResult>) => void;
  fail: (error: unknown) => void;
}

/** At most this many landings share one ref transaction (a steady stream still moves the branch). */
const MAX_BATCH = 16;

/**
 * Landing on the milestone branch, the only writer while the run holds the lease: a serialized
 * queue of every job that moves the branch, the head as this run last wrote it (no `rev-parse`
 * per task), merges without a checkout (merge-tree, commit-tree), and compare-and-swap moves
 * through one long-lived `git update-ref --stdin` (see {@link RefTransactions}). Landings that
 * wait in the queue behind each other are merged one on top of the next in memory and move
 * the branch in one transaction; a landing is recorded only after its transaction committed.
 */
export class Lander {
  private readonly queue: SerialQueue = serialQueue();
  private readonly refs: RefTransactions;
  /** Merge commits through one long-lived git process (see {@link CommitWriter}). */
  private readonly commits: CommitWriter;
  /** The branch head as this run last moved it (null: not read yet). */
  private head: string | null = null;
  /** Landings merged in memory on top of `head`, not yet on the branch. */
  private batch: Staged[] = [];
  /** The newest merge of the batch (the branch's next head), or null when the batch is empty. */
  private tip: string | null = null;
  /** Landings waiting in the queue: while one waits, the batch stays open for it. */
  private waiting = 0;
  /** Disjoint changes merged in memory instead of one `merge-tree` process per landing. */
  private readonly disjoint: DisjointMerge;
  /** The files those merges landed, packed a batch at a time (see {@link LooseBlobPacker}). */
  private readonly blobs: LooseBlobPacker;
  /** Commits known to be on the branch below the batch's tip: a task's start point there is its merge base. */
  private readonly lineage = new Lineage();
  /** How each landing's tree was made (see {@link LandingPaths}). */
  readonly paths: LandingPaths = emptyLandingPaths();
  /** Test hook: runs between git's `prepare` and `commit` of each transaction. */
  beforeCommit: (() => Promise<void>) | undefined;

  constructor(private readonly host: LanderHost) {
    this.refs = new RefTransactions(host.repoRoot, 'milestone: land');
    this.commits = new CommitWriter(host.repoRoot);
    this.disjoint = new DisjointMerge(host.repoRoot);
    this.blobs = new LooseBlobPacker(host.repoRoot);
  }

  /** Ref-update processes started (one per run unless another writer made a transaction fail). */
  get refProcesses(): number {
    return this.refs.started;
  }

  /** The milestone branch head: cached, since this run's queue is its only writer (CAS guards the rest). */
  async currentHead(): Promise<string> {
    if (this.head === null) {
      this.head = (await revParse(this.host.repoRoot, `refs/heads/${this.host.branch}`))!;
      this.lineage.reset(this.head);
    }
    return this.head;
  }

  /** Another part of the run moved the branch (inside {@link serialize}) to `head`. */
  moved(head: string): void {
    this.head = head;
    this.lineage.reset(head);
  }

  /**
   * Runs a job that moves the branch (a revert, a phase commit) in the queue, after the open
   * batch of landings is on the branch.
   */
  serialize<T>(job: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      await this.flush();
      return job();
    });
  }

  /** Resolves once every queued job settled. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  /** Ends the run's long-lived git processes (end of the run, after `drain`). */
  async close(): Promise<void> {
    await Promise.all([
      this.refs.close(),
      this.commits.close(),
      this.disjoint.close(),
      this.blobs.close(),
      // The task commits' and slot switches' writers of this repository (see repository-writers.ts).
      closeRepositoryWriters(this.host.repoRoot),
    ]);
  }

  /**
   * Merges a task's commit into the milestone branch. Fast path: the head as known, merge-tree
   * (none when the commit sits on that head), commit-tree, and a compare-and-swap shared with
   * the landings queued right behind; without a commit, or when another writer moved the
   * branch, the general `mergeInto` (which re-reads it) takes over.
   */
  async land(task: TaskSpec, branch: string, attempt: number, source: LandingSource): Promise<LandingResult> {
    const { record, milestoneId } = this.host;
    const message = `Merge task ${task.id}: ${task.title}\n\n${trailerBlock({ [TRAILER.milestone]: milestoneId, [TRAILER.task]: task.id, ...runTrailer(this.host.state().runId) })}\n`;
    this.waiting += 1;
    // The job hands back the transaction's promise boxed: returning it bare would make the queue
    // wait for a transaction that only a later job (or the flush below) commits.
    const staged = await this.queue.run(
      async (): Promise<{ result: Promise<LandingResult> | LandingResult }> => {
        this.waiting -= 1;
        try {
          record({ type: 'intent', step: 'merge', taskId: task.id, detail: { branch, attempt } });
          if (!source.commit) {
            await this.flush();
            return { result: await this.mergeGeneral(branch, message) };
          }
          const staged = await this.stage(branch, message, source as Required<LandingSource>);
          return { result: 'pending' in staged ? staged.pending : staged };
        } finally {
          if (this.waiting === 0 || this.batch.length >= MAX_BATCH) await this.flush();
        }
      },
    );
    const landed = await staged.result;
    if ('conflicts' in landed)
      record({
        type: 'outcome',
        step: 'merge',
        taskId: task.id,
        ok: false,
        detail: { conflicts: landed.conflicts },
      });
    return landed;
  }

  /** Direct style: the task's commit sits on the branch head, so landing is a fast-forward (CAS). */
  async fastForward(task: TaskSpec, commit: string, head: string, attempt: number, linksUnchanged: boolean) {
    this.host.record({ type: 'intent', step: 'merge', taskId: task.id, detail: { commit, attempt } });
    await this.serialize(async () => {
      if (!(await this.refs.apply([{ ref: this.ref(), to: commit, from: head }], this.beforeCommit))) {
        throw new ExitError(
          'MILESTONE_BRANCH_MOVED',
          `${this.host.branch} moved during the run; another writer is active`,
        );
      }
      if (linksUnchanged) inheritLeavingLinks(head, commit);
      this.head = commit;
      this.lineage.add(commit);
    });
    this.landed(task, commit, attempt);
  }

  /**
   * The one place right after a task landed (parallel, direct, or a hand resolution): the
   * milestone branch holds `commit`, and the store says so.
   */
  landed(task: TaskSpec, commit: string, attempt: number): void {
    this.host.record(
      { type: 'task_merged', taskId: task.id, commit },
      { type: 'task_status', taskId: task.id, status: 'succeeded', attempt },
      { type: 'outcome', step: 'merge', taskId: task.id, ok: true },
    );
  }

  /**
   * The phase commit (see `commitPhase`), skipped when it already landed: the one place right
   * before a phase commit, where checks of the whole phase belong.
   */
  phaseCommit(phase: Phase): Promise<void> {
    return this.serialize(async () => {
      const state = this.host.state();
      if (state.phaseCommits[phase]) return;
      const landed = await landedFor(this.host.repoRoot, state);
      const already = landed.phases.get(phase);
      if (already) {
        this.host.record({ type: 'phase_committed', phase, commit: already });
        return;
      }
      const squash = this.host.config.commit.strategy === 'phase';
      this.host.record({ type: 'intent', step: 'phase_commit', detail: { phase, squash } });
      const commit = await commitPhase({
        repoRoot: this.host.repoRoot,
        state,
        phase,
        config: this.host.config,
      });
      this.head = commit;
      // A squash sits on the previous phase commit, not on the head.
      if (squash) this.lineage.reset(commit);
      else this.lineage.add(commit);
      this.host.record({ type: 'phase_committed', phase, commit });
    });
  }

  /** Merges the task's commit onto the batch's tip in memory; the caller awaits the transaction. */
  private async stage(
    branch: string,
    message: string,
    source: Required<LandingSource>,
  ): Promise<{ conflicts: string[] } | { pending: Promise<LandingResult> }> {
    const base = this.tip ?? (await this.currentHead());
    const { repoRoot } = this.host;
    // Nothing landed since the task started and its commit sits on that head: the merge's
    // tree is the task's own, no merge-tree needed.
    let tree: MergeTreeResult;
    if (source.parent === base) {
      tree = { clean: true, tree: await this.commits.treeOf(source.commit) };
      this.paths.sameBase += 1;
    } else
      tree = (await this.mergeInMemory(base, source)) ?? (await mergeTree(repoRoot, base, source.commit));
    if (!tree.clean) return { conflicts: tree.conflicts };
    const commit = await this.commits.write(tree.tree, [base, source.commit], message);
    this.lineage.add(commit, tree.tree);
    if (source.linksUnchanged) inheritLeavingLinks(base, commit);
    this.tip = commit;
    const pending = new Promise<LandingResult>((settle, fail) => {
      this.batch.push({ branch, message, commit, settle, fail });
    });
    return { pending };
  }

  /**
   * The merge of disjoint changes without a `merge-tree` process (see {@link DisjointMerge}),
   * when the task's start point is known to be on the branch (so it is the merge base); null
   * when git's own merge must decide (counted in {@link paths}).
   */
  private async mergeInMemory(
    base: string,
    source: Required<LandingSource>,
  ): Promise<MergeTreeResult | null> {
    const start = source.parent;
    if (start === null || !this.lineage.has(start)) {
      this.paths.mergeTree += 1;
      this.paths.fallbacks.lineage = (this.paths.fallbacks.lineage ?? 0) + 1;
      return null;
    }
    let reason: string;
    try {
      const [baseTree, oursTree, theirsTree] = await Promise.all([
        this.lineage.treeOf(start) ?? this.disjoint.treeOf(start),
        this.lineage.treeOf(base) ?? this.disjoint.treeOf(base),
        this.disjoint.treeOf(source.commit),
      ]);
      const merged = await this.disjoint.merge(baseTree, oursTree, theirsTree);
      const blobs = this.disjoint.takeBlobs();
      if ('tree' in merged) {
        this.blobs.add(blobs);
        this.paths.inMemory += 1;
        return { clean: true, tree: merged.tree };
      }
      reason = merged.fallback;
    } catch {
      // A long-lived process failed (it restarts on the next use): git's own merge decides this one.
      reason = 'error';
    }
    this.paths.mergeTree += 1;
    this.paths.fallbacks[reason] = (this.paths.fallbacks[reason] ?? 0) + 1;
    return null;
  }

  /** Moves the branch to the batch's tip in one transaction; when another writer moved it, each landing again on the new head. */
  private async flush(): Promise<void> {
    const batch = this.batch;
    const tip = this.tip;
    if (batch.length === 0 || tip === null) return;
    this.batch = [];
    this.tip = null;
    try {
      const head = await this.currentHead();
      if (await this.refs.apply([{ ref: this.ref(), to: tip, from: head }], this.beforeCommit)) {
        this.head = tip;
        for (const staged of batch) staged.settle({ commit: staged.commit });
        return;
      }
      // Lost the race: re-read the branch and land one by one by the general merge.
      this.head = null;
      this.lineage.reset(null);
      for (const staged of batch) staged.settle(await this.mergeGeneral(staged.branch, staged.message));
    } catch (error) {
      // The staged merges are not on the branch: only the head as known stays in the lineage.
      this.lineage.reset(this.head);
      for (const staged of batch) staged.fail(error);
    }
  }

  /** The general merge (`mergeInto`): re-reads the branch, merges the task branch's tip, retries a lost race once. */
  private async mergeGeneral(branch: string, message: string): Promise<LandingResult> {
    this.paths.general += 1;
    const merged = await mergeInto(this.host.repoRoot, {
      target: this.host.branch,
      source: `refs/heads/${branch}`,
      message,
    });
    if (!merged.merged) return { conflicts: merged.conflicts };
    this.head = merged.commit;
    this.lineage.reset(merged.commit);
    return { commit: merged.commit };
  }

  private ref(): string {
    return `refs/heads/${this.host.branch}`;
  }
}
