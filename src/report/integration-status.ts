import type { StoredEvent } from '../core/events.js';

/** A file a task created that a later landing deleted (issue 10, item 4). */
export interface DeletedFileReport {
  task: string;
  file: string;
  by: string;
  landing: string;
}

/** The integration state of a milestone, folded from its `intent`/`outcome` events (pure). */
export interface IntegrationStatus {
  state: 'none' | 'green' | 'red' | 'checking' | 'bisecting' | 'reverted';
  /** The commit of the last check (green at, checking at, red at). */
  commit: string | null;
  /** The last reverted task, with `state: reverted`. */
  task: string | null;
  /** One phrase: `green at 1a2b3c4d5e`, `bisecting (2 of 8)`, `reverted t5` ... */
  text: string;
  checks: number;
  bisectSteps: number;
  reverts: number;
  /** Files deleted against a task's intent, as reported. */
  intent: DeletedFileReport[];
}

const short = (sha: unknown) => (typeof sha === 'string' ? sha.slice(0, 10) : '?');

/** The steps {@link integrationStatus} folds: what `status` reads (an indexed query, not the log). */
export const INTEGRATION_STATUS_STEPS = [
  'integration_check',
  'integration_baseline',
  'integration_intent',
  'integration_bisect',
  'integration_revert',
] as const;

/** Folds the integration events (`integration_*` steps) into what `status` shows. */
export function integrationStatus(events: readonly StoredEvent[]): IntegrationStatus {
  const status: IntegrationStatus = {
    state: 'none',
    commit: null,
    task: null,
    text: 'no integration check ran yet',
    checks: 0,
    bisectSteps: 0,
    reverts: 0,
    intent: [],
  };
  for (const event of events) {
    if (event.type !== 'intent' && event.type !== 'outcome') continue;
    const detail = event.detail ?? {};
    const commit = typeof detail.commit === 'string' ? detail.commit : null;
    const ok = event.type === 'outcome' && event.ok;
    switch (`${event.type}:${event.step}`) {
      case 'intent:integration_check':
      case 'intent:integration_baseline':
      case 'intent:integration_intent':
        Object.assign(status, { state: 'checking', commit, text: `checking ${short(commit)}` });
        break;
      case 'intent:integration_bisect':
        Object.assign(status, {
          state: 'bisecting',
          commit,
          text: `bisecting (${String(detail.prefix)} of ${String(detail.of)} landings)`,
        });
        break;
      case 'outcome:integration_check':
      case 'outcome:integration_baseline':
      case 'outcome:integration_intent':
      case 'outcome:integration_bisect':
        if (event.step === 'integration_bisect') status.bisectSteps += 1;
        else if (event.step !== 'integration_intent' || detail.kind !== 'deleted') status.checks += 1;
        if (detail.kind === 'deleted') {
          status.intent.push({
            task: event.taskId ?? '?',
            file: String(detail.file),
            by: String(detail.by),
            landing: String(detail.landing),
          });
          break;
        }
        if (event.step === 'integration_bisect') break;
        Object.assign(status, {
          state: ok ? 'green' : 'red',
          commit,
          text: `${ok ? 'green' : 'red'} at ${short(commit)}`,
        });
        break;
      case 'outcome:integration_revert':
        if (!ok) break;
        status.reverts += 1;
        Object.assign(status, {
          state: 'reverted',
          commit,
          task: event.taskId ?? null,
          text: `reverted ${event.taskId ?? '?'} (${short(commit)})`,
        });
        break;
      default:
        break;
    }
  }
  return status;
}

/** The `status` text lines of the integration state; none when no check ever ran. */
export function formatIntegration(status: IntegrationStatus): string[] {
  if (status.state === 'none' && status.intent.length === 0) return [];
  const counts = `${status.checks} check(s), ${status.bisectSteps} bisect step(s), ${status.reverts} revert(s)`;
  return [
    `integration: ${status.text} — ${counts}`,
    ...status.intent.map(
      (d) => `  intent: ${d.task}'s ${d.file} deleted by ${d.by} (landing ${d.landing.slice(0, 10)})`,
    ),
  ];
}

/** `metrics`: how many integration steps ran and the time they took (ms), from the outcomes. */
export interface IntegrationMetrics {
  checks: number;
  bisectSteps: number;
  baselines: number;
  intentChecks: number;
  reverts: number;
  /** Time in checks of the head (and re-runs), bisect probes, baselines and intent re-checks. */
  checkMs: number;
  bisectMs: number;
  totalMs: number;
}

/** Counts and times of the integration steps in a log (pure). */
export function integrationMetrics(events: readonly StoredEvent[]): IntegrationMetrics {
  const m: IntegrationMetrics = {
    checks: 0,
    bisectSteps: 0,
    baselines: 0,
    intentChecks: 0,
    reverts: 0,
    checkMs: 0,
    bisectMs: 0,
    totalMs: 0,
  };
  for (const event of events) {
    if (event.type !== 'outcome' || !event.step.startsWith('integration_')) continue;
    const ms = typeof event.detail?.durationMs === 'number' ? event.detail.durationMs : 0;
    if (event.step === 'integration_check') {
      m.checks += 1;
      m.checkMs += ms;
    } else if (event.step === 'integration_bisect') {
      m.bisectSteps += 1;
      m.bisectMs += ms;
    } else if (event.step === 'integration_baseline') {
      m.baselines += 1;
      m.checkMs += ms;
    } else if (event.step === 'integration_intent' && event.detail?.kind !== 'deleted') {
      m.intentChecks += 1;
      m.checkMs += ms;
    } else if (event.step === 'integration_revert' && event.ok) {
      m.reverts += 1;
      continue;
    } else continue;
    m.totalMs += ms;
  }
  return m;
}
