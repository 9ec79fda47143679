import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lsFiles } from '../git/git.js';

/** A compact view of the repository for the planner's prompt. Plain data. */
export interface RepoContext {
  /** Tracked files (`git ls-files`). */
  fileCount: number;
  /** Top-level folders, most files first, with a few of their subfolders. */
  folders: Array<{ path: string; files: number; subfolders: string[] }>;
  /** Files at the top level. */
  rootFiles: string[];
  /** The first lines of a few telling files (README, package.json, ...). */
  keyFiles: Array<{ path: string; head: string }>;
}

/** Top-level files worth showing, in this order: what the project is, how it builds and tests. */
export const KEY_FILES = [
  'README.md',
  'README',
  'readme.md',
  'AGENTS.md',
  'CLAUDE.md',
  'package.json',
  'pyproject.toml',
  'Cargo.toml',
  'go.mod',
  'pom.xml',
  'build.gradle',
  'Makefile',
  'tsconfig.json',
] as const;

/** Limits that keep the prompt small whatever the repository's size. */
export const CONTEXT_LIMITS = {
  folders: 25,
  subfolders: 8,
  rootFiles: 40,
  keyFiles: 4,
  keyFileLines: 40,
  keyFileChars: 2500,
} as const;

/** The folder and file overview of `files` (repository-relative, `/`-separated); key files not yet read. Pure. */
export function summarizeFiles(files: readonly string[]): Omit<RepoContext, 'keyFiles'> {
  const folders = new Map<string, { files: number; subfolders: Map<string, number> }>();
  const rootFiles: string[] = [];
  for (const file of files) {
    const [top, second, ...rest] = file.split('/');
    if (top === undefined) continue;
    if (second === undefined) {
      rootFiles.push(top);
      continue;
    }
    const folder = folders.get(top) ?? { files: 0, subfolders: new Map<string, number>() };
    folder.files += 1;
    if (rest.length > 0) folder.subfolders.set(second, (folder.subfolders.get(second) ?? 0) + 1);
    folders.set(top, folder);
  }
  const byCount = <T>(entries: Iterable<[string, T]>, count: (v: T) => number) =>
    [...entries].sort((a, b) => count(b[1]) - count(a[1]) || a[0].localeCompare(b[0]));
  return {
    fileCount: files.length,
    folders: byCount(folders, (f) => f.files)
      .slice(0, CONTEXT_LIMITS.folders)
      .map(([path, folder]) => ({
        path,
        files: folder.files,
        subfolders: byCount(folder.subfolders, (n) => n)
          .slice(0, CONTEXT_LIMITS.subfolders)
          .map(([name]) => name),
      })),
    rootFiles: rootFiles.sort().slice(0, CONTEXT_LIMITS.rootFiles),
  };
}

/** The first lines of a file's text, cut to the context limits. Pure. */
export function fileHead(text: string): string {
  const lines = text.split('\n').slice(0, CONTEXT_LIMITS.keyFileLines).join('\n').trimEnd();
  return lines.length > CONTEXT_LIMITS.keyFileChars
    ? `${lines.slice(0, CONTEXT_LIMITS.keyFileChars)}\n…`
    : lines;
}

/** Gathers the {@link RepoContext} of the working tree at `repoRoot`: one `git ls-files`, a few small reads. */
export async function gatherRepoContext(repoRoot: string): Promise<RepoContext> {
  const files = await lsFiles(repoRoot);
  const summary = summarizeFiles(files);
  const present = new Set(files.filter((file) => !file.includes('/')));
  const chosen = KEY_FILES.filter((name) => present.has(name)).slice(0, CONTEXT_LIMITS.keyFiles);
  const keyFiles = await Promise.all(
    chosen.map(async (path: string): Promise<RepoContext['keyFiles'][number] | null> => {
      try {
        return { path, head: fileHead(await readFile(join(repoRoot, path), 'utf8')) };
      } catch {
        // Tracked but deleted in the working tree: the planner can do without it.
        return null;
      }
    }),
  );
  return { ...summary, keyFiles: keyFiles.filter((k) => k !== null) };
}
