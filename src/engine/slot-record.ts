import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { writeFileAtomic } from '../store/atomic-file.js';
import { isPidAlive } from '../store/pid-alive.js';

/**
 * What milestone knows about one worktree slot, kept beside it as `<slot>.json` so the next run
 * (of any milestone in the repository) can reuse it without preparing it again.
 */
export interface SlotRecord {
  /** Setup key (settings + key files) the slot was last prepared with; `null` = never. */
  key: string | null;
  /** The last setup succeeded; `false` makes the next use run it again. */
  setupOk: boolean;
  /** Duration of the last setup command, in ms; `null` = none ran. */
  setupMs: number | null;
  /** Untracked paths the setup created (never committed by a task, kept by `git clean`). */
  created: string[];
  /** When a run last took the slot (ISO-8601): pruning by age reads it. */
  usedAt: string;
}

export function emptySlotRecord(now: Date): SlotRecord {
  return { key: null, setupOk: false, setupMs: null, created: [], usedAt: now.toISOString() };
}

/** Reads a slot's record; a missing or unreadable one means the slot must be prepared again. */
export function readSlotRecord(path: string, now: Date): SlotRecord {
  try {
    const raw = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Partial<SlotRecord>;
    return {
      key: typeof raw.key === 'string' ? raw.key : null,
      setupOk: raw.setupOk === true,
      setupMs: typeof raw.setupMs === 'number' ? raw.setupMs : null,
      created: Array.isArray(raw.created) ? raw.created.filter((p) => typeof p === 'string') : [],
      usedAt: typeof raw.usedAt === 'string' ? raw.usedAt : now.toISOString(),
    };
  } catch {
    return emptySlotRecord(now);
  }
}

export function writeSlotRecord(path: string, record: SlotRecord): void {
  writeFileAtomic(`${path}.json`, `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Takes `<slot>.lock` for this process (created exclusively, holding pid and host). A lock
 * whose holder is a dead process on this host is stale and taken over. False when a live
 * process (another coordinator) holds it.
 */
export function lockSlot(path: string, me: { pid: number; host: string } = ownIdentity()): boolean {
  const lock = `${path}.lock`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: { pid?: unknown; host?: unknown } = {};
    try {
      holder = JSON.parse(readFileSync(lock, 'utf8'));
    } catch {
      // Half written by a process that died at once: stale.
    }
    const live =
      typeof holder.pid === 'number' &&
      (holder.host !== me.host || (holder.pid !== me.pid && isPidAlive(holder.pid)));
    if (live || holder.pid === me.pid) return false;
    rmSync(lock, { force: true });
  }
  return false;
}

export function unlockSlot(path: string): void {
  rmSync(`${path}.lock`, { force: true });
}

/** Is the slot locked by a live process (this one included)? */
export function slotLocked(path: string): boolean {
  if (!existsSync(`${path}.lock`)) return false;
  try {
    const holder = JSON.parse(readFileSync(`${path}.lock`, 'utf8')) as { pid?: number; host?: string };
    return holder.host !== hostname() || (typeof holder.pid === 'number' && isPidAlive(holder.pid));
  } catch {
    return false;
  }
}

function ownIdentity(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}
