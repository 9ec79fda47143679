import { resolve } from 'node:path';

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

/** Runs a git command that reads every worktree's HEAD (a fetch) when no worktree is being added. */
export function walkingAllHeads<T>(repoRoot: string, walk: () => Promise<T>): Promise<T> {
  return through(repoRoot, 'walk', walk);
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
