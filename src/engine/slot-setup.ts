import { createHash } from 'node:crypto';
import {
  constants,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { gitExec } from '../git/git.js';
import { appendLogLine } from '../process/log-file.js';
import { runProcess } from '../process/run-process.js';
import { failureTail } from './failure-text.js';
import type { SlotRecord } from './slot-record.js';
import { checkInsideWorktree } from './worktree-links.js';
import type { WorktreeSetup } from './worktrees.js';

/** Lockfiles that key a slot's setup when config `worktrees.key` is not set. */
export const DEFAULT_KEY_FILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'bun.lockb',
  'requirements.txt',
  'poetry.lock',
  'uv.lock',
  'Pipfile.lock',
];

/** What a slot's preparation did. */
export interface SlotPreparation {
  /** Why it failed (with the setup's last output lines), or null. */
  error: string | null;
  /** Setup ran this time (a new slot, a changed key, or a failed setup before). */
  setupRan: boolean;
  /** Duration of the whole preparation: links, copies and setup. */
  durationMs: number;
}

/** The setup key of a checked-out slot: the settings and the content of the key files. */
export function setupKey(worktree: string, setup: WorktreeSetup): string {
  const hash = createHash('sha256').update(
    JSON.stringify({ setup: setup.setup, link: setup.link, copy: setup.copy }),
  );
  for (const file of setup.key ?? DEFAULT_KEY_FILES) {
    const path = join(worktree, file);
    hash.update(`\0${file}\0`);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The sources that `link` and `copy` name but the main checkout lacks. */
export function missingSources(repoRoot: string, setup: WorktreeSetup): string[] {
  return [...setup.link, ...setup.copy].filter((p) => !existsSync(join(repoRoot, p)));
}

/**
 * Paths a slot holds that are not the task's work: linked, copied, and created by setup.
 * They are kept by `git clean` and left out of the task's commit whatever `.gitignore` says.
 */
export function slotOwnPaths(setup: WorktreeSetup, record: SlotRecord): string[] {
  return [...new Set([...setup.link, ...setup.copy, ...record.created])];
}

/**
 * Links, copies and (when the slot's key changed or its last setup failed) runs the setup
 * command. `record` is updated in place; the caller saves it. A setup that failed leaves
 * `setupOk: false`, so the slot's next use runs it again instead of working without it.
 */
export async function prepareSlot(
  repoRoot: string,
  worktree: string,
  setup: WorktreeSetup,
  record: SlotRecord,
  options: { logFile: string; signal: AbortSignal; timeoutMs: number; env: Record<string, string> },
): Promise<SlotPreparation> {
  const started = performance.now();
  const done = (error: string | null, setupRan: boolean): SlotPreparation => ({
    error,
    setupRan,
    durationMs: Math.round(performance.now() - started),
  });
  const missing = missingSources(repoRoot, setup);
  if (missing.length > 0) {
    return done(
      `worktrees ${missing.map((m) => `\`${m}\``).join(', ')} not found in ${repoRoot} (config worktrees.link / worktrees.copy)`,
      false,
    );
  }
  const key = setupKey(worktree, setup);
  const stale = record.key !== key || !record.setupOk;
  try {
    for (const path of [...setup.link, ...setup.copy]) checkInsideWorktree(worktree, path);
  } catch (error) {
    return done((error as Error).message, false);
  }
  for (const path of setup.link) ensureLink(join(repoRoot, path), join(worktree, path));
  for (const path of setup.copy) {
    const from = join(repoRoot, path);
    const to = join(worktree, path);
    // Files are copied at every checkout (cheap, and a task may have changed them); folders
    // when missing or when the slot is prepared again.
    if (lstatSync(from).isDirectory() && existsSync(to) && !stale) continue;
    copyPath(from, to);
  }
  if (!setup.setup || !stale) {
    record.key = key;
    if (!setup.setup) record.setupOk = true;
    return done(null, false);
  }
  appendLogLine(options.logFile, `--- milestone: worktree setup \`${setup.setup}\` in ${worktree} ---`);
  const before = await untracked(worktree);
  const setupStarted = performance.now();
  const result = await runProcess({
    file: setup.setup,
    args: [],
    shell: true,
    cwd: worktree,
    logFile: options.logFile,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    env: options.env,
  });
  const ok = result.exitCode === 0;
  record.key = key;
  record.setupOk = ok;
  record.setupMs = Math.round(performance.now() - setupStarted);
  const after = await untracked(worktree);
  record.created = [...new Set([...record.created, ...after.filter((p) => !before.includes(p))])];
  appendLogLine(
    options.logFile,
    `--- milestone: worktree setup ${ok ? 'ok' : 'failed'} in ${record.setupMs} ms ---`,
  );
  if (ok) return done(null, true);
  const why = result.canceled
    ? 'canceled'
    : result.timedOut
      ? 'timed out'
      : `exited with ${result.exitCode ?? result.signal}`;
  return done(
    `worktree setup \`${setup.setup}\` ${why}${failureTail(result.exitCode, result.stderrTail || result.stdoutTail)}`,
    true,
  );
}

/** A symlink at `to` pointing at `from`, replacing whatever was there. */
function ensureLink(from: string, to: string): void {
  try {
    if (lstatSync(to).isSymbolicLink() && readlinkSync(to) === from) return;
  } catch {
    // Nothing there yet.
  }
  rmSync(to, { recursive: true, force: true });
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(from, to);
}

/**
 * Copies a file or a folder. Copy-on-write clones where the file system supports them
 * (`COPYFILE_FICLONE` falls back to a plain copy); never hard links, through which a task's
 * edit would change the main checkout.
 */
function copyPath(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  // A symlink at `to` (a tracked one) is replaced, never written through.
  if (lstatSync(from).isDirectory() || isSymlink(to)) rmSync(to, { recursive: true, force: true });
  cpSync(from, to, {
    recursive: true,
    force: true,
    mode: constants.COPYFILE_FICLONE,
    verbatimSymlinks: true,
  });
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Untracked paths, ignored ones included, folders collapsed (`dir/`). */
async function untracked(worktree: string): Promise<string[]> {
  const { stdout } = await gitExec(worktree, ['ls-files', '--others', '--directory', '-z']);
  return stdout
    .split('\0')
    .filter(Boolean)
    .map((p) => p.replace(/\/$/, ''));
}
