import type { BigIntStats } from 'node:fs';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gitBaseEnv } from './git-exec.js';
import { blobId, modeOfStat } from './index-write.js';

/**
 * Whether this process may read and write a worktree's files as git would, byte for byte: no
 * setting or attribute that makes git convert a file between the worktree and its blob (eol,
 * filters), no case folding, no sparse checkout, symlinks and executable bits taken from the
 * file system. Returns the reason to leave the work to git, or null. `paths` are the index's.
 */
export function plainWorktreeProblem(
  settings: ReadonlyMap<string, string>,
  commonDir: string,
  paths: readonly string[],
): string | null {
  const on = (name: string) => /^(true|yes|on|1)$/i.test(settings.get(name) ?? '');
  const off = (name: string) => /^(false|no|off|0)$/i.test(settings.get(name) ?? '');
  if (off('core.filemode') || off('core.symlinks')) return 'filemode';
  if (on('core.ignorecase') || on('core.precomposeunicode')) return 'case';
  if (on('core.sparsecheckout') || on('extensions.worktreeconfig')) return 'sparse';
  const autocrlf = settings.get('core.autocrlf');
  if (autocrlf !== undefined && !off('core.autocrlf')) return 'eol';
  if (settings.has('core.attributesfile') || settings.has('core.fsmonitor')) return 'attributes';
  if (settings.get('core.sharedrepository') !== undefined) return 'shared';
  if (existsSync(join(commonDir, 'info', 'attributes'))) return 'attributes';
  const home = gitBaseEnv().HOME ?? homedir();
  const config = gitBaseEnv().XDG_CONFIG_HOME || join(home, '.config');
  if (existsSync(join(config, 'git', 'attributes'))) return 'attributes';
  for (const path of paths) if (isAttributesFile(path)) return 'attributes';
  return null;
}

/** A `.gitattributes` file (at any depth): it may convert files between worktree and blob. */
export function isAttributesFile(path: string): boolean {
  return path === '.gitattributes' || path.endsWith('/.gitattributes');
}

/** The absolute path of `path` (latin1 string of the bytes git names it by) in `worktree`, as bytes. */
export function worktreePath(worktree: string, path: string): Buffer {
  return Buffer.concat([Buffer.from(`${worktree}/`), Buffer.from(path, 'latin1')]);
}

/** lstat with nanoseconds, or null when the path is missing (or a parent is not a folder). */
export function lstatOrNull(path: Buffer): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

/** What a file or symlink holds as git stores it: the bytes, or the link's target. */
export function fileContent(path: Buffer, st: BigIntStats): Buffer {
  return st.isSymbolicLink() ? readlinkSync(path, { encoding: 'buffer' }) : readFileSync(path);
}

/** A file's blob id and mode as `git add` would record them; null for what git does not add (a folder, a socket). */
export function hashFile(
  path: Buffer,
  st: BigIntStats,
  hashBytes: number,
): { oid: Buffer; mode: number } | null {
  const mode = modeOfStat(st);
  if (mode === null) return null;
  return { oid: blobId(fileContent(path, st), hashBytes), mode };
}

/**
 * Checks that every folder above `path` in `worktree` is a real folder or missing (never a
 * symlink or a file), so nothing written there lands outside the worktree. `known` caches the
 * folders already checked.
 */
export function parentsAreFolders(worktree: string, path: string, known: Set<string>): boolean {
  let slash = path.indexOf('/');
  while (slash >= 0) {
    const folder = path.slice(0, slash);
    if (!known.has(folder)) {
      const st = lstatOrNull(worktreePath(worktree, folder));
      if (st === null) return true; // missing: nothing below exists either
      if (!st.isDirectory()) return false;
      known.add(folder);
    }
    slash = path.indexOf('/', slash + 1);
  }
  return true;
}
