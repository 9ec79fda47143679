import type { Usage } from '../core/events.js';
import { computeProgress } from '../core/progress.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { formatCost, sumUsage, tokensOf } from '../core/usage.js';
import type { GateState } from '../decision/gates.js';
import { redactSecrets } from '../process/redact-secrets.js';

/** What one task's landing changed, from `git diff --numstat` of the commit its trailer names. */
export interface Landing {
  commit: string;
  files: Array<{ path: string; added: number | null; deleted: number | null }>;
}

/** What the attempt log of a task's last attempt says (see `parseAttemptLog`). */
export interface AttemptLogFacts {
  /** The agent's last words: its result summary, else its last output line. */
  claim: string | null;
  /** Whether the agent's run ended ok, as the log's end marker says; null if it has none. */
  agentOk: boolean | null;
  /** The last lines the verify command printed. */
  verifyTail: string[];
}

/** A step of the integration checks on the combined tree, from `intent`/`outcome` events. */
export interface IntegrationCheck {
  step: string;
  /** null while it runs (an intent without an outcome). */
  ok: boolean | null;
  at: string;
  detail: string | null;
}

/** Facts gathered outside the core (git, logs, events) for {@link buildPacket}. */
export interface PacketFacts {
  landings: Record<string, Landing>;
  /** Per task, its attempts a stopped run cut short (crash, kill -9): counted, never retries. */
  cutShort: Record<string, number>;
  logs: Record<string, AttemptLogFacts>;
  integration: IntegrationCheck[];
  gates: Record<Phase, GateState>;
}

/** One task in the packet. */
export interface PacketTask {
  id: string;
  title: string;
  agent: string;
  attempts: number;
  /** Of {@link attempts}, those a stopped run cut short (resumed as the next attempt). */
  cutShort: number;
  status: string;
  prompt: string | null;
  run: string | null;
  verify: string | null;
  usage: Usage;
  reason: string | null;
  landing: Landing | null;
  log: AttemptLogFacts;
  /** What the checks showed, one phrase each: exit status, verify, landing. */
  checks: string[];
}

/** One phase in the packet. */
export interface PacketPhase {
  phase: Phase;
  progress: number;
  commit: string | null;
  gate: GateState;
  tasks: PacketTask[];
}

/** The review packet: everything a reviewer needs, per phase. Plain data (`report --json`). */
export interface Packet {
  id: string;
  title: string;
  description: string | null;
  status: string;
  mode: string | null;
  modeReason: string | null;
  base: string;
  branch: string;
  head: string | null;
  overall: number;
  usage: Usage;
  phases: PacketPhase[];
  integration: IntegrationCheck[];
  /** The phase asked for with `--phase`, or null for the whole milestone. */
  only: Phase | null;
  /** What a person does next, one line each (empty when nothing is left to do). */
  next: string[];
}

const NO_LOG: AttemptLogFacts = { claim: null, agentOk: null, verifyTail: [] };

function checksOf(task: PacketTask): string[] {
  const checks: string[] = [];
  if (task.status === 'succeeded') checks.push('agent exited 0');
  else if (task.attempts === 0) checks.push(`not run${task.reason ? `: ${task.reason}` : ''}`);
  else checks.push(`${task.status}${task.reason ? `: ${task.reason}` : ''}`);
  if (task.verify) {
    const passed = task.status === 'succeeded';
    checks.push(passed ? `verify \`${task.verify}\` passed` : `verify \`${task.verify}\` did not pass`);
  } else checks.push('no verify command');
  checks.push(task.landing ? `landed as ${task.landing.commit.slice(0, 10)}` : 'not landed');
  return checks;
}

/** Builds the packet from the projection and the gathered facts. Pure. */
export function buildPacket(state: MilestoneState, facts: PacketFacts, only: Phase | null = null): Packet {
  const progress = computeProgress(state.plan, state.tasks, { completed: state.status === 'completed' });
  const phases: PacketPhase[] = [];
  for (const phase of PHASES) {
    if (only && phase !== only) continue;
    const specs = state.plan.tasks.filter((t) => t.phase === phase);
    if (specs.length === 0) continue;
    const tasks = specs.map((spec) => {
      const folded = state.tasks[spec.id]!;
      const task: PacketTask = {
        id: spec.id,
        title: spec.title,
        agent: folded.agent,
        attempts: folded.attempts,
        cutShort: facts.cutShort[spec.id] ?? 0,
        status: folded.status === 'succeeded' && !folded.merged ? 'succeeded (not landed)' : folded.status,
        prompt: spec.prompt ?? null,
        run: spec.run ?? null,
        verify: redactPlanText(spec.verify ?? state.plan.defaults.verify ?? null),
        usage: folded.usage,
        reason: folded.reason,
        landing: facts.landings[spec.id] ?? null,
        log: facts.logs[spec.id] ?? NO_LOG,
        checks: [],
      };
      task.checks = checksOf({ ...task, status: folded.status });
      return task;
    });
    phases.push({
      phase,
      progress: progress.phases[phase],
      commit: state.phaseCommits[phase] ?? null,
      gate: facts.gates[phase],
      tasks,
    });
  }
  return {
    id: state.id,
    title: state.title,
    description: state.plan.description ?? null,
    status: state.status,
    mode: state.mode,
    modeReason: state.modeReason,
    base: state.base,
    branch: state.branch,
    head: state.head,
    overall: progress.overall,
    usage: sumUsage(phases.flatMap((p) => p.tasks.map((t) => t.usage))),
    phases,
    integration: facts.integration,
    only,
    next: retryLine(state),
  };
}

/**
 * The command that runs again what did not land (failed, canceled or skipped tasks); conflicted
 * tasks need a person first, and their steps are added by the caller (`report`).
 */
function retryLine(state: MilestoneState): string[] {
  if (state.status === 'completed' || state.status === 'cancelled') return [];
  const left = Object.values(state.tasks)
    .filter((t) => t.status === 'failed' || t.status === 'canceled' || t.status === 'skipped')
    .map((t) => t.id);
  if (left.length === 0) return [];
  const listed = left.length > 8 ? `${left.slice(0, 8).join(', ')}, ...` : left.join(', ');
  return [`run again what did not land (${listed}): milestone execute ${state.id}`];
}

/** `12,345 tokens` or `tokens unknown`. */
export function formatTokens(usage: Usage): string {
  const n = tokensOf(usage);
  return n === null ? 'unknown' : n.toLocaleString('en-US');
}

/** `3 files, +10 -2`. */
export function diffstatLine(landing: Landing): string {
  const added = landing.files.reduce((n, f) => n + (f.added ?? 0), 0);
  const deleted = landing.files.reduce((n, f) => n + (f.deleted ?? 0), 0);
  const files = landing.files.length;
  return `${files} file${files === 1 ? '' : 's'}, +${added} -${deleted}`;
}

export { formatCost };

/** A task's attempts as a report shows them: `2 (1 cut short)`. */
export function attemptsText(task: Pick<PacketTask, 'attempts' | 'cutShort'>): string {
  return task.cutShort ? `${task.attempts} (${task.cutShort} cut short)` : String(task.attempts);
}

/** A plan's command shown in the packet: a literal token in it is not repeated (`redactSecrets`). */
function redactPlanText(text: string | null): string | null {
  return text === null ? null : redactSecrets(text);
}
