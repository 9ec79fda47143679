import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `git worktree add` writes the new worktree's HEAD as forty zeros before it sets the real
 * commit (git's builtin/worktree.c: "any value which looks like an object ID will do since it
 * will be immediately replaced"). A git command that walks every worktree's HEAD in that
 * moment, as `git fetch` does in its connectivity check (`rev-list --not --all`), stops with
 * `fatal: bad object worktrees/<name>/HEAD` and "did not send all necessary objects": a task
 * failed that way on a worker adding one slot while it fetched for another.
 *
 * So in this process, adds of worktrees to one repository and such walks of it never overlap:
 * adds run together, walks run together, and whichever kind waits goes next (no starvation).
 * Another process may add a worktree too (a second run in the same repository, a worker in the
 * coordinator's clone, the git of a coordinator killed mid-add, a person): a walk that read an
 * unset HEAD is run again after a pause, a few times, as the add sets it within moments.
 */
type Kind = 'add' | 'walk';

interface Gate {
  kind: Kind | null;
  running: number;
  waiting: Array<{ kind: Kind; start: () => void }>;
}

const gates = new Map<string, Gate>();

/** Runs `git worktree add` (or anything that makes a worktree of `repoRoot`) through the gate. */
export function addingWorktree<T>(repoRoot: string, add: () => Promise<T>): Promise<T> {
  return through(repoRoot, 'add', add);
}

/** git's words when a walk read the HEAD `git worktree add` had not set yet. */
const UNSET_HEAD = /bad object worktrees\/[^\s/]+\/HEAD\b/;
/** The pauses before each new try of a walk that met an unset HEAD (another process's add). */
const RETRY_PAUSES_MS = [100, 400, 1500, 5000];

/**
 * Runs a git command that reads every worktree's HEAD (a fetch) when no worktree is being added
 * by this process, and again when it failed on a HEAD another process was adding (so `walk` must
 * be safe to repeat, as a fetch is). Git's error stands when the HEAD stays unset.
 */
export async function walkingAllHeads<T>(repoRoot: string, walk: () => Promise<T>): Promise<T> {
  for (let tried = 0; ; tried++) {
    try {
      return await through(repoRoot, 'walk', walk);
    } catch (error) {
      const pause = RETRY_PAUSES_MS[tried];
      if (pause === undefined || !UNSET_HEAD.test(error instanceof Error ? error.message : String(error)))
        throw error;
      // Outside the gate: this process's own adds go on meanwhile.
      await sleep(pause);
    }
  }
}

async function through<T>(repoRoot: string, kind: Kind, run: () => Promise<T>): Promise<T> {
  const key = resolve(repoRoot);
  let gate = gates.get(key);
  if (!gate) {
    gate = { kind: null, running: 0, waiting: [] };
    gates.set(key, gate);
  }
  // Joins the running kind only when nobody of the other kind waits for its turn.
  if (gate.kind === null || (gate.kind === kind && gate.waiting.length === 0)) {
    gate.kind = kind;
    gate.running++;
  } else {
    const admitted = gate;
    await new Promise<void>((start) => admitted.waiting.push({ kind, start }));
  }
  try {
    return await run();
  } finally {
    leave(key, gate);
  }
}

function leave(key: string, gate: Gate): void {
  gate.running--;
  if (gate.running > 0) return;
  const next = gate.waiting[0]?.kind;
  if (next === undefined) {
    gates.delete(key);
    return;
  }
  // The next kind in line, with everyone of that kind queued right behind it.
  gate.kind = next;
  while (gate.waiting[0]?.kind === next) {
    gate.running++;
    gate.waiting.shift()!.start();
  }
}
