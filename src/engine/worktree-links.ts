import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { gitExec } from '../git/git.js';

/** A tracked symlink whose target is outside the worktree. */
export interface LeavingLink {
  path: string;
  target: string;
}

/** Leaving links by checked-out commit: a commit's tracked links never change. */
const byCommit = new Map<string, LeavingLink[]>();

/** True when the symlink at `path` (relative to `worktree`) resolves outside it. */
export function linkLeaves(worktree: string, path: string, target: string): boolean {
  const resolved = resolve(dirname(join(worktree, path)), target);
  const rel = relative(worktree, resolved);
  return isAbsolute(target) || rel === '..' || rel.startsWith('../') || isAbsolute(rel);
}

/**
 * Tracked symlinks of the worktree's checkout that point outside it (`git ls-files -s -z`,
 * mode 120000). An agent writing through one would change files outside its worktree (another
 * checkout, the person's home, `/etc`), so such a worktree is refused before the agent starts.
 */
export async function linksLeaving(worktree: string, checkedOut?: string): Promise<LeavingLink[]> {
  // Per commit: listing the index costs ~0.3 s on a 100,000-file checkout, every attempt. The
  // caller that just checked the worktree out names its commit: no `rev-parse` process.
  const head =
    checkedOut ??
    (await gitExec(worktree, ['rev-parse', '-q', '--verify', 'HEAD'], { allowExitCodes: [1] })).stdout.trim();
  const known = head ? byCommit.get(head) : undefined;
  if (known) return known;
  const { stdout } = await gitExec(worktree, ['ls-files', '-s', '-z']);
  const leaving: LeavingLink[] = [];
  for (const entry of stdout.split('\0')) {
    if (!entry.startsWith('120000 ')) continue;
    const path = entry.slice(entry.indexOf('\t') + 1);
    let target: string;
    try {
      target = readlinkSync(join(worktree, path));
    } catch {
      continue;
    }
    if (linkLeaves(worktree, path, target)) leaving.push({ path, target });
  }
  if (head) byCommit.set(head, leaving);
  return leaving;
}

/**
 * Carries what is known of `from`'s leaving links to `to`, a commit made from it by changes
 * that neither added, changed nor removed a symlink (a no-op task's landing): the next task
 * that starts from `to` needs no `ls-files` process. Unknown `from`: nothing is carried.
 */
export function inheritLeavingLinks(from: string, to: string): void {
  const known = byCommit.get(from);
  if (known && known.length === 0) byCommit.set(to, known);
}

/** The reason to refuse a worktree with links leaving it, or `null`. */
export function leavingLinksReason(links: readonly LeavingLink[]): string | null {
  if (links.length === 0) return null;
  const named = links
    .slice(0, 3)
    .map((l) => `${JSON.stringify(l.path)} -> ${JSON.stringify(l.target)}`)
    .join(', ');
  const more = links.length > 3 ? ` and ${links.length - 3} more` : '';
  return `sandbox: the worktree holds symlinks that point outside it (${named}${more}); an agent writing through them would change files outside its worktree. Make them relative links inside the repository, or remove them`;
}

/**
 * Throws when a folder on the way to `rel` inside `worktree` is a symlink: milestone's own
 * writes (links and copies into a slot) never go through one, so a hostile repository's
 * `cfg -> /etc` cannot turn a copy of `cfg/app.env` into a write outside the worktree.
 */
export function checkInsideWorktree(worktree: string, rel: string): void {
  const parts = rel.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    let isLink = false;
    try {
      isLink = lstatSync(join(worktree, prefix)).isSymbolicLink();
    } catch {
      return;
    }
    if (isLink)
      throw new Error(
        `worktrees: ${JSON.stringify(rel)} is below the symlink ${JSON.stringify(prefix)}; milestone does not write through links in a worktree`,
      );
  }
}
