import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitLineProcess, type GitProcessOptions } from './line-process.js';

const HEX = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Blobs written through one long-lived `git hash-object -w --stdin-paths --no-filters`: git
 * reads each file itself and stores it (loose), so a task's changed files cost no process.
 * Only for worktrees where git would not convert the file (`plainWorktreeProblem`).
 */
export class BlobWriter extends GitLineProcess {
  private dir: string | null = null;
  private written = 0;

  constructor(cwd: string, options: GitProcessOptions = {}) {
    super(cwd, ['hash-object', '-w', '--stdin-paths', '--no-filters'], options);
  }

  /** Stores the file at `path` (absolute bytes; git follows no symlink here: give it files only) and returns its id. */
  async writeFile(path: Buffer): Promise<string> {
    if (path.includes(10) || path[0] !== 47)
      throw new Error('a blob path must be absolute, without a newline');
    const id = await this.request(Buffer.concat([path, Buffer.from('\n')]));
    if (!HEX.test(id)) throw new Error(`git hash-object answered ${JSON.stringify(id)}`);
    return id;
  }

  /** Stores `data` (a symlink's target) and returns its id. */
  async writeData(data: Buffer): Promise<string> {
    this.dir ??= mkdtempSync(join(tmpdir(), 'milestone-blob-'));
    const file = join(this.dir, `blob-${this.written++}`);
    writeFileSync(file, data, { mode: 0o600 });
    try {
      return await this.writeFile(Buffer.from(file));
    } finally {
      rmSync(file, { force: true });
    }
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
