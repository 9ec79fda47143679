import type { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';

/** One stream of a task: bytes before the fence marker are the task's. */
export class FramedStream extends EventEmitter {
  /** Bytes held back: they could be the start of the marker. */
  private held: Buffer = Buffer.alloc(0);
  done = false;

  constructor(
    private readonly marker: Buffer,
    private readonly scope: AsyncResource,
  ) {
    super();
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    return this.scope.runInAsyncScope(() => super.emit(event, ...args));
  }

  /** Takes a chunk from the spawner's pipe; returns bytes past the marker (not this task's). */
  push(chunk: Buffer): Buffer | null {
    if (this.done) return chunk;
    const data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const at = data.indexOf(this.marker);
    if (at >= 0) {
      this.held = Buffer.alloc(0);
      this.done = true;
      if (at > 0) this.emit('data', data.subarray(0, at));
      const rest = data.subarray(at + this.marker.length);
      this.emit('end');
      return rest.length > 0 ? rest : null;
    }
    // Keep the longest suffix that is a prefix of the marker; pass on the rest now.
    let keep = Math.min(this.marker.length - 1, data.length);
    while (keep > 0 && !data.subarray(data.length - keep).equals(this.marker.subarray(0, keep))) keep--;
    this.held = Buffer.from(data.subarray(data.length - keep));
    if (data.length - keep > 0) this.emit('data', data.subarray(0, data.length - keep));
    return null;
  }

  /** The spawner died: what was held is the task's after all. */
  flush(): void {
    if (this.done) return;
    this.done = true;
    if (this.held.length > 0) this.emit('data', this.held);
    this.held = Buffer.alloc(0);
    this.emit('end');
  }
}
