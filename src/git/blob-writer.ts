import type { GitProcessOptions } from './line-process.js';
import { ObjectWriter } from './object-writer.js';

/**
 * Blobs written through one long-lived `git hash-object -w --stdin-paths --no-filters`: git
 * reads each file itself and stores it (loose), so a task's changed files cost no process.
 * Only for worktrees where git would not convert the file (`plainWorktreeProblem`).
 */
export class BlobWriter extends ObjectWriter {
  constructor(cwd: string, options: GitProcessOptions = {}) {
    super(cwd, 'blob', options);
  }
}
