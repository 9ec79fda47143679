import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MilestoneEvent, StoredEvent } from '../../src/core/events.js';
import { taskRow, taskRowJson, taskRowsJson, taskRowsOf } from '../../src/core/milestone-header.js';
import { computeProgress } from '../../src/core/progress.js';
import { progressTally } from '../../src/core/progress-tally.js';
import {
  applyEvent,
  foldChanges,
  type MilestoneState,
  project,
  type TaskState,
} from '../../src/core/projection.js';
import {
  DEFAULT_DEFAULTS,
  DEFAULT_WEIGHTS,
  MILESTONE_STATUSES,
  PHASES,
  type Plan,
  TASK_STATUSES,
} from '../../src/core/types.js';
import { addUsage } from '../../src/core/usage.js';
import { propertySettings } from '../helpers/property.js';

/**
 * The fold as it was before it folded in place (commit d55083a): pure, copying the task map on
 * every task event and the commit list on every merge. Kept here as the reference the in-place
 * fold must agree with.
 */
function pureApply(state: MilestoneState | undefined, event: StoredEvent): MilestoneState | undefined {
  if (event.type === 'milestone_planned') return structuredClone(applyEvent(undefined, event));
  if (!state) return undefined;
  const next: MilestoneState = { ...state, updated: event.at, version: event.seq };
  const withTask = (taskId: string, change: (task: TaskState) => TaskState) => {
    const task = Object.hasOwn(next.tasks, taskId) ? next.tasks[taskId] : undefined;
    if (task) next.tasks = { ...next.tasks, [taskId]: change(task) };
  };
  switch (event.type) {
    case 'milestone_status':
      next.status = event.status;
      break;
    case 'mode_selected':
      next.mode = event.mode;
      next.modeReason = event.reason;
      next.adoption = event.adoption ?? next.adoption;
      next.wouldHave = event.wouldHave ?? next.wouldHave;
      break;
    case 'task_status':
      withTask(event.taskId, (task) => {
        const running = event.status === 'running';
        const waiting = event.status === 'waiting';
        const terminal = !running && !waiting && event.status !== 'pending' && event.status !== 'ready';
        return {
          ...task,
          status: event.status,
          attempts: Math.max(task.attempts, event.attempt ?? task.attempts),
          agent: event.agent ?? task.agent,
          reason: event.reason ?? (running ? null : task.reason),
          startedAt: running ? event.at : task.startedAt,
          finishedAt: terminal ? event.at : running ? null : task.finishedAt,
          merged: event.status === 'pending' ? false : task.merged,
          waitingUntil: waiting ? (event.until ?? null) : null,
        };
      });
      break;
    case 'task_merged':
      withTask(event.taskId, (task) => ({ ...task, merged: true, commit: event.commit }));
      next.head = event.commit;
      next.commits = [...next.commits, event.commit];
      break;
    case 'task_usage':
      withTask(event.taskId, (task) => ({ ...task, usage: addUsage(task.usage, event.usage) }));
      break;
    case 'phase_committed':
      next.phaseCommits = { ...next.phaseCommits, [event.phase]: event.commit };
      next.head = event.commit;
      next.commits = [...next.commits, event.commit];
      break;
    case 'review':
      next.reviews = [
        ...next.reviews,
        { phase: event.phase, decision: event.decision, comment: null, at: event.at },
      ];
      break;
    default:
      break;
  }
  return next;
}

const IDS = ['a', 'b', 'c', 'd', 'e', 'nope'];
const plan: Plan = {
  version: 1,
  id: 'm',
  title: 'M',
  weights: DEFAULT_WEIGHTS,
  defaults: DEFAULT_DEFAULTS,
  tasks: IDS.slice(0, 5).map((id, i) => ({
    id,
    title: id,
    phase: PHASES[i % PHASES.length]!,
    run: 'true',
    needs: [],
    files: [],
    ...(i % 2 === 0 ? { estimate: { optimistic: i + 1, likely: 2 * i + 1, pessimistic: 4 * i + 1 } } : {}),
  })),
};
const taskId = fc.constantFrom(...IDS);
const sha = fc.stringMatching(/^[0-9a-f]{8}$/);
const event: fc.Arbitrary<MilestoneEvent> = fc.oneof(
  fc.record({
    type: fc.constant('milestone_status' as const),
    status: fc.constantFrom(...MILESTONE_STATUSES),
  }),
  fc.record(
    {
      type: fc.constant('task_status' as const),
      taskId,
      status: fc.constantFrom(...TASK_STATUSES),
      attempt: fc.integer({ min: 1, max: 4 }),
      agent: fc.constantFrom('shell', 'codex'),
      reason: fc.string({ maxLength: 3 }),
    },
    { requiredKeys: ['type', 'taskId', 'status'] },
  ),
  fc.record({ type: fc.constant('task_merged' as const), taskId, commit: sha }),
  fc.record({
    type: fc.constant('task_usage' as const),
    taskId,
    attempt: fc.constant(1),
    usage: fc.record({
      inputTokens: fc.option(fc.nat(1000)),
      outputTokens: fc.option(fc.nat(1000)),
      costUsd: fc.option(fc.nat(100)),
    }),
  }),
  fc.record({
    type: fc.constant('phase_committed' as const),
    phase: fc.constantFrom(...PHASES),
    commit: sha,
  }),
  fc.record({
    type: fc.constant('review' as const),
    phase: fc.constantFrom(...PHASES),
    decision: fc.constantFrom('approved' as const, 'rejected' as const),
  }),
  fc.record({ type: fc.constant('intent' as const), step: fc.constantFrom('worktree', 'merge') }),
);

const planned: MilestoneEvent = { type: 'milestone_planned', plan, base: 'main', branch: 'milestone/m' };
const stored = (events: MilestoneEvent[]): StoredEvent[] =>
  events.map(
    (e, i) =>
      ({
        ...e,
        seq: i + 1,
        milestoneId: 'm',
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      }) as StoredEvent,
  );

describe('folding the event log (projection)', () => {
  it('in place gives the same state as the old pure fold, event by event', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (tail) => {
        let pure: MilestoneState | undefined;
        let inPlace: MilestoneState | undefined;
        for (const e of stored([planned, ...tail])) {
          pure = pureApply(pure, e);
          inPlace = applyEvent(inPlace, e);
          expect(inPlace).toEqual(pure);
        }
      }),
      propertySettings(200),
    );
  });

  it('folds a task event without copying the task map or the commit list (O(1) per event)', () => {
    const many: Plan = {
      ...plan,
      tasks: Array.from({ length: 2000 }, (_, i) => ({ ...plan.tasks[0]!, id: `t${i}`, title: `t${i}` })),
    };
    const state = project(stored([{ ...planned, plan: many }]))!;
    const { tasks, commits } = state;
    const untouched = tasks.t1999!;
    const changes = foldChanges();
    let seq = 1;
    for (let i = 0; i < 1000; i++) {
      const id = `t${i}`;
      for (const e of [
        { type: 'task_status', taskId: id, status: 'running', attempt: 1 },
        { type: 'task_status', taskId: id, status: 'succeeded' },
        { type: 'task_merged', taskId: id, commit: `c${i}` },
      ] as MilestoneEvent[]) {
        expect(
          applyEvent(state, { ...e, seq: ++seq, milestoneId: 'm', at: 'now' } as StoredEvent, changes),
        ).toBe(state);
      }
    }
    // The same objects all along: nothing of size O(tasks) or O(commits) was copied.
    expect(state.tasks).toBe(tasks);
    expect(state.commits).toBe(commits);
    expect(state.tasks.t1999).toBe(untouched);
    expect(state.commits).toHaveLength(1000);
    expect(state.tasks.t999).toMatchObject({
      status: 'succeeded',
      merged: true,
      commit: 'c999',
      attempts: 1,
    });
    // What the store's read model rewrites: exactly the touched tasks.
    expect(changes.tasks.size).toBe(1000);
    expect(changes.tasks.has('t1000')).toBe(false);
  });

  it('a progress tally updated task by task agrees with computeProgress', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (tail) => {
        let state = project(stored([planned]))!;
        const tally = progressTally(plan, state.tasks);
        for (const e of stored([planned, ...tail]).slice(1)) {
          const changes = foldChanges();
          state = applyEvent(state, e, changes)!;
          for (const id of changes.tasks) tally.update(id, state.tasks[id]);
          expect(tally.progress()).toEqual(computeProgress(plan, state.tasks));
          expect(tally.doneCount).toBe(
            Object.values(state.tasks).filter((t) => t.status === 'succeeded' && t.merged).length,
          );
        }
      }),
      propertySettings(200),
    );
  });
});

describe('the task rows of the read model as JSON', () => {
  it('are the text of the row objects, after any fold', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (tail) => {
        let state: MilestoneState | undefined;
        for (const e of stored([planned, ...tail])) {
          state = applyEvent(state, e)!;
          expect(taskRowsJson(state)).toBe(JSON.stringify(taskRowsOf(state)));
        }
      }),
      propertySettings(100),
    );
  });

  it("are the row objects' text for task states the fold never writes too", () => {
    const state = project(stored([planned]))!;
    const [first, second, third] = state.plan.tasks;
    // A key of the plan's in the state keeps its place in the row; an empty state; no state.
    state.tasks[first!.id] = { title: 'old', ...state.tasks[first!.id]! } as TaskState;
    state.tasks[second!.id] = {} as TaskState;
    delete state.tasks[third!.id];
    for (let position = 0; position < 3; position++)
      expect(taskRowJson(state, position)).toBe(JSON.stringify(taskRow(state, position)));
    expect(JSON.parse(taskRowJson(state, 0))).toMatchObject({ title: first!.title });
    expect(Object.keys(JSON.parse(taskRowJson(state, 0)))[0]).toBe('title');
    expect(taskRowsJson(state)).toBe(JSON.stringify(taskRowsOf(state)));
  });
});
