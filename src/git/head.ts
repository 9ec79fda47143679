import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { revParse } from './refs.js';

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * The commit a worktree's HEAD points at, read from git's files (its HEAD, then the loose ref it
 * names) instead of a `git rev-parse` process: right after a commit in that worktree the loose
 * ref is always there. Anything unusual (a packed ref, a symbolic chain) asks git.
 */
export async function headCommit(worktree: string): Promise<string> {
  const fromFiles = readHeadFiles(worktree);
  if (fromFiles) return fromFiles;
  const sha = await revParse(worktree, 'HEAD');
  if (!sha) throw new Error(`HEAD of ${worktree} names no commit`);
  return sha;
}

/** A worktree's own git folder: `.git` itself, or the folder its `.git` file names. */
export function gitDirOf(worktree: string): string {
  const dotGit = join(worktree, '.git');
  const link = /^gitdir: (.+)$/m.exec(readText(dotGit) ?? '')?.[1]?.trim();
  if (!link) return dotGit;
  return isAbsolute(link) ? link : resolve(worktree, link);
}

/** When the worktree's index was last written (epoch ms), or null when it has none. */
export function indexWrittenAt(worktree: string): number | null {
  try {
    return statSync(join(gitDirOf(worktree), 'index')).mtimeMs;
  } catch {
    return null;
  }
}

/** The commit a worktree's HEAD names, from git's files only (its HEAD, then a loose ref), or null. */
export function readHeadFiles(worktree: string): string | null {
  try {
    const gitDir = gitDirOf(worktree);
    const head = readText(join(gitDir, 'HEAD'))?.trim();
    if (!head) return null;
    if (SHA.test(head)) return head;
    const ref = /^ref: (refs\/heads\/[^\s]+)$/.exec(head)?.[1];
    if (!ref || ref.includes('..')) return null;
    const common = readText(join(gitDir, 'commondir'))?.trim();
    const commonDir = common ? resolve(gitDir, common) : gitDir;
    const sha = readText(join(commonDir, ref))?.trim();
    return sha && SHA.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

/** A file's text, or null when it is missing or a folder. */
function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
