import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globsMayIntersect } from '../../src/core/glob-overlap.js';
import { PHASES } from '../../src/core/types.js';
import { createScheduler, type ScheduleTask, type TaskOutcome } from '../../src/engine/scheduler.js';
import { propertySettings } from '../helpers/property.js';

const GLOBS = ['src/**', 'src/a.ts', 'src/*.md', 'src/a/**', 'docs/**', 'docs/x.md', 'lib/*', '*.json'];
const OUTCOMES: TaskOutcome[] = ['succeeded', 'succeeded', 'succeeded', 'failed', 'conflicted', 'canceled'];

/** A valid plan graph: phases in order, needs only on earlier tasks of the same or an earlier phase. */
const graph = fc.integer({ min: 1, max: 14 }).chain((count) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: PHASES.length - 1 }), { minLength: count, maxLength: count }),
      fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: count, maxLength: count }),
      fc.array(fc.subarray(GLOBS, { maxLength: 2 }), { minLength: count, maxLength: count }),
      fc.array(fc.integer({ min: 0, max: 120 }), { minLength: count, maxLength: count }),
    )
    .map(([phases, needs, files, work]): ScheduleTask[] => {
      const sorted = [...phases].sort((a, b) => a - b);
      return sorted.map((p, i) => ({
        id: `t${i}`,
        phase: PHASES[p]!,
        // Any earlier task: its phase is never later, since phases are sorted.
        needs: i === 0 ? [] : [...new Set(needs[i]!.map((n) => `t${n % i}`))],
        files: files[i]!,
        work: work[i]!,
      }));
    }),
);

/** Which running task ends next and how: a stream of choices the worker loop's timing decides. */
const endings = fc.array(fc.tuple(fc.nat(), fc.constantFrom(...OUTCOMES)), { maxLength: 60 });

function overlaps(a: ScheduleTask, b: ScheduleTask): boolean {
  return a.files.some((x) => b.files.some((y) => globsMayIntersect(x, y)));
}

describe('scheduler (property)', () => {
  it('keeps needs, phase barriers, file overlaps and the concurrency limit, and always finishes', () => {
    fc.assert(
      fc.property(graph, fc.integer({ min: 1, max: 4 }), endings, (tasks, concurrency, choices) => {
        const byId = new Map(tasks.map((t) => [t.id, t]));
        const outcome = new Map<string, TaskOutcome | 'skipped'>();
        const started = new Set<string>();
        const running: string[] = [];
        // The coordinator's loop: take what next() offers, wait for one running task, report it.
        const scheduler = createScheduler(tasks, { concurrency });
        let steps = 0;
        while (scheduler.hasTasks()) {
          expect(steps++, 'the schedule finishes').toBeLessThanOrEqual(tasks.length);
          for (const id of scheduler.next()) {
            const task = byId.get(id)!;
            expect(started.has(id), `${id} starts once`).toBe(false);
            started.add(id);
            for (const need of task.needs) expect(outcome.get(need), `${id} needs ${need}`).toBe('succeeded');
            const phase = PHASES.indexOf(task.phase);
            for (const other of tasks) {
              if (PHASES.indexOf(other.phase) < phase)
                expect(outcome.get(other.id), `${id} waits for earlier phase task ${other.id}`).toBe(
                  'succeeded',
                );
            }
            for (const other of running)
              expect(overlaps(task, byId.get(other)!), `${id} and ${other} run at once`).toBe(false);
            running.push(id);
          }
          expect(running.length).toBeLessThanOrEqual(concurrency);
          // Nothing running while tasks remain would leave the coordinator's loop with no work.
          expect(running.length, 'a task runs while tasks remain').toBeGreaterThan(0);
          const [pick, how] = choices[steps - 1] ?? [0, 'succeeded'];
          const [id] = running.splice(pick % running.length, 1);
          outcome.set(id!, how);
          for (const skipped of scheduler.complete(id!, how).skipped) {
            expect(started.has(skipped), `${skipped} was skipped after it started`).toBe(false);
            outcome.set(skipped, 'skipped');
          }
        }
        expect(running).toEqual([]);
        // Every task ended: it ran, or something it waited for did not land.
        for (const task of tasks) {
          const ended = outcome.get(task.id);
          expect(ended, `${task.id} has an outcome`).toBeDefined();
          if (ended !== 'skipped') continue;
          const phase = PHASES.indexOf(task.phase);
          const cause = tasks.some(
            (other) =>
              outcome.get(other.id) !== 'succeeded' &&
              (task.needs.includes(other.id) || PHASES.indexOf(other.phase) < phase),
          );
          expect(cause, `${task.id} was skipped for a reason`).toBe(true);
        }
      }),
      propertySettings(2000),
    );
  });
});
