import { gitExec } from './git-exec.js';
import { gitDirOf } from './head.js';
import { commonDirOf } from './repository-writers.js';

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
/** Blobs gathered before they are packed: a pack per this many landed files. */
const BATCH = 256;

/**
 * Packs the blobs tasks landed, a batch at a time, in the background: `git pack-objects` of
 * exactly those ids (no history walk, no delta search), then `git prune-packed`. Why: git
 * checks that every blob of a folder it rewrites in the index exists (`read-tree`, `checkout`
 * and `commit` update the cache tree), and a loose object costs a file-system lookup where a
 * packed one is a look-up in memory; a folder of 5,000 loose files made every switch of a slot
 * twice as expensive. Trees and commits stay loose (large trees would cost more to compress
 * than they save); `git maintenance run --auto` at the end of the run tidies the rest.
 */
export class LooseBlobPacker {
  private pending: string[] = [];
  private running: Promise<void> = Promise.resolve();
  /** Packs written (tests, debugging). */
  packs = 0;

  constructor(
    private readonly repoRoot: string,
    private readonly batch = BATCH,
  ) {}

  /** Blobs now on the branch; a full batch starts a pack in the background. */
  add(ids: Iterable<string>): void {
    for (const id of ids) if (OBJECT_ID.test(id)) this.pending.push(id);
    if (this.pending.length >= this.batch) void this.flush();
  }

  /** Packs what is pending (after any pack already running); never throws: it is only an optimization. */
  flush(): Promise<void> {
    const ids = [...new Set(this.pending.splice(0))];
    if (ids.length === 0) return this.running;
    this.running = this.running.then(() => this.pack(ids)).catch(() => undefined);
    return this.running;
  }

  /** Waits for a pack in progress (end of the run). */
  close(): Promise<void> {
    this.pending = [];
    return this.running;
  }

  private async pack(ids: string[]): Promise<void> {
    const objects = `${commonDirOf(gitDirOf(this.repoRoot))}/objects`;
    await gitExec(this.repoRoot, ['pack-objects', '-q', '--window=0', `${objects}/pack/pack`], {
      input: `${ids.join('\n')}\n`,
    });
    this.packs += 1;
    await gitExec(this.repoRoot, ['prune-packed', '-q']);
  }
}
