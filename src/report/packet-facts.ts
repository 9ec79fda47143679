import { readFileSync } from 'node:fs';
import type { StoredEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';
import { gates } from '../decision/gates.js';
import { landedOnBranch } from '../engine/landing.js';
import { attemptLogPath } from '../engine/naming.js';
import { gitExec } from '../git/git.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';
import { readAttempts } from './metrics-attempts.js';
import type { AttemptLogFacts, IntegrationCheck, Landing, Packet, PacketFacts } from './packet.js';
import { buildPacket } from './packet.js';

const END_MARKER = /^--- milestone: (ok in \d+ ms|failed: .*) ---$/;
const VERIFY_TAIL = 8;

/** The agent's summary in a JSON result line (`exec` protocol, Claude, Gemini), if it is one. */
function resultText(line: string): string | null {
  if (!line.startsWith('{')) return null;
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (value.type !== 'result') return null;
    for (const key of ['summary', 'result', 'response']) {
      if (typeof value[key] === 'string' && value[key]) return value[key] as string;
    }
  } catch {
    // not JSON: an ordinary output line
  }
  return null;
}

/**
 * Reads an attempt log: the agent's part ends with the adapters' `--- milestone: ok|failed ---`
 * marker, and what follows is the verify command's output (`runAttempt` appends it there).
 */
export function parseAttemptLog(text: string): AttemptLogFacts {
  const lines = text.split('\n');
  const end = lines.findIndex((l) => END_MARKER.test(l.trim()));
  const agentLines = (end === -1 ? lines : lines.slice(0, end)).map((l) => l.trim()).filter(Boolean);
  const spoken = agentLines.filter((l) => !l.startsWith('--- milestone:'));
  let claim: string | null = null;
  for (let i = spoken.length - 1; i >= 0 && claim === null; i--) claim = resultText(spoken[i]!);
  claim ??= spoken.filter((l) => !l.startsWith('{')).at(-1) ?? null;
  const verifyTail =
    end === -1
      ? []
      : lines
          .slice(end + 1)
          .map((l) => l.trimEnd())
          .filter((l) => l && !l.startsWith('--- milestone:'))
          .slice(-VERIFY_TAIL);
  return {
    claim: claim && claim.length > 300 ? `${claim.slice(0, 299)}~` : claim,
    agentOk: end === -1 ? null : lines[end]!.includes('ok in'),
    verifyTail,
  };
}

/** `git diff --numstat` of a landing against its first parent (the milestone head before it). */
async function landing(root: string, commit: string): Promise<Landing> {
  const { stdout } = await gitExec(root, ['diff', '--numstat', '-z', '--no-renames', `${commit}^1`, commit]);
  const files: Landing['files'] = [];
  for (const record of stdout.split('\0')) {
    const match = /^(\d+|-)\t(\d+|-)\t(.+)$/s.exec(record);
    if (!match) continue;
    files.push({
      path: match[3]!,
      added: match[1] === '-' ? null : Number(match[1]),
      deleted: match[2] === '-' ? null : Number(match[2]),
    });
  }
  return { commit, files };
}

function integrationChecks(events: StoredEvent[]): IntegrationCheck[] {
  const checks = new Map<string, IntegrationCheck>();
  for (const event of events) {
    if (event.type !== 'intent' && event.type !== 'outcome') continue;
    // `integration_process` only records a check's process group (for recovery).
    if (!event.step.startsWith('integration') || event.step === 'integration_process') continue;
    const detail = event.detail ? JSON.stringify(event.detail) : null;
    checks.set(event.step, {
      step: event.step,
      ok: event.type === 'outcome' ? event.ok : null,
      at: event.at,
      detail: detail && detail.length > 200 ? `${detail.slice(0, 199)}~` : detail,
    });
  }
  return [...checks.values()];
}

/** Per task, how many of its attempts a stopped run cut short (metrics' `cutShort`). */
function cutShortAttempts(events: readonly StoredEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const attempt of readAttempts(events).attempts)
    if (attempt.end === 'interrupted') counts[attempt.taskId] = (counts[attempt.taskId] ?? 0) + 1;
  return counts;
}

/**
 * Gathers what the packet needs from git (landings by `Task-Id:` trailer), the attempt logs
 * and the event log, then builds it.
 */
export async function gatherPacket(
  workspace: Workspace,
  store: Store,
  state: MilestoneState,
  only: Phase | null,
): Promise<Packet> {
  // After `finish` merged the branch, the base holds every landing: read from before that merge.
  const finished = store
    .events(state.id, { types: ['outcome'] })
    .findLast((e) => e.type === 'outcome' && e.step === 'finish' && typeof e.detail?.commit === 'string');
  const mergeCommit =
    finished?.type === 'outcome' ? (finished.detail?.commit as string | undefined) : undefined;
  const landed = await landedOnBranch(workspace.root, state.branch, state.base, state.id, {
    ...(mergeCommit && /^[0-9a-f]{40,64}$/.test(mergeCommit) && { since: `${mergeCommit}^1` }),
  });
  const facts: PacketFacts = {
    landings: {},
    cutShort: cutShortAttempts(store.events(state.id, { types: ['milestone_status', 'task_status'] })),
    logs: {},
    integration: integrationChecks(store.events(state.id, { types: ['intent', 'outcome'] })),
    gates: gates(state, workspace.config),
  };
  for (const task of state.plan.tasks) {
    if (only && task.phase !== only) continue;
    const sha = landed.tasks.get(task.id);
    if (sha) facts.landings[task.id] = await landing(workspace.root, sha);
    const attempts = state.tasks[task.id]!.attempts;
    if (attempts > 0) {
      try {
        facts.logs[task.id] = parseAttemptLog(
          readFileSync(attemptLogPath(workspace.storeDir, state.id, task.id, attempts), 'utf8'),
        );
      } catch {
        // no log (removed, or another machine's run): the packet says "(nothing)"
      }
    }
  }
  return buildPacket(state, facts, only);
}
