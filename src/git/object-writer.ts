import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitLineProcess, type GitProcessOptions } from './line-process.js';

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Objects of one type written through one long-lived `git hash-object -w -t <type> --stdin-paths
 * --no-filters` (`BlobWriter`'s blobs, `TreeWriter`'s trees, `CommitWriter`'s commits): git reads
 * each file itself, checks the object and stores it (loose), so an object costs no process.
 * `config` is `-c` settings of that one git process.
 */
export class ObjectWriter extends GitLineProcess {
  private dir: string | null = null;
  private written = 0;

  constructor(
    cwd: string,
    private readonly type: 'blob' | 'tree' | 'commit',
    options: GitProcessOptions = {},
    config: readonly string[] = [],
  ) {
    const settings = config.flatMap((setting) => ['-c', setting]);
    super(cwd, [...settings, 'hash-object', '-w', '-t', type, '--stdin-paths', '--no-filters'], options);
  }

  /** Stores the file at `path` (absolute bytes; git follows no symlink here: give it files only) and returns its id. */
  async writeFile(path: Buffer): Promise<string> {
    if (path.includes(10) || path[0] !== 47)
      throw new Error(`a ${this.type} path must be absolute, without a newline`);
    const id = await this.request(Buffer.concat([path, Buffer.from('\n')]));
    if (!OBJECT_ID.test(id)) throw new Error(`git hash-object answered ${JSON.stringify(id)}`);
    return id;
  }

  /** Stores `data` (through a private file, 0600, removed once git answered) and returns its id. */
  async writeData(data: string | Buffer): Promise<string> {
    this.dir ??= mkdtempSync(join(tmpdir(), `milestone-${this.type}-`));
    const file = join(this.dir, `${this.type}-${this.written++}`);
    writeFileSync(file, data, { mode: 0o600 });
    try {
      return await this.writeFile(Buffer.from(file));
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** Ends the process and removes the private folder. */
  override async close(): Promise<void> {
    await super.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
