import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/core/types.js';
import {
  createScheduler,
  type Scheduler,
  type SchedulerOptions,
  type ScheduleTask,
  type TaskOutcome,
} from '../../src/engine/scheduler.js';
import { InternalError } from '../../src/errors.js';
import { cpuMsSince } from '../helpers/cpu-time.js';

function task(id: string, fields: Partial<Omit<ScheduleTask, 'id'>> = {}): ScheduleTask {
  return { id, phase: 'execute', needs: [], files: [], work: 1, ...fields };
}

/**
 * Runs a schedule to the end in simulated time (each task takes its `work`), the way the
 * worker loop will: start what `next()` offers, finish the earliest-ending task, repeat.
 */
function simulate(
  tasks: ScheduleTask[],
  options: SchedulerOptions,
  outcomes: Record<string, TaskOutcome> = {},
): { starts: string[]; maxRunning: number; scheduler: Scheduler; finishedAt: Map<string, number> } {
  const scheduler = createScheduler(tasks, options);
  const work = new Map(tasks.map((t) => [t.id, t.work]));
  const endsAt = new Map<string, number>();
  const finishedAt = new Map<string, number>();
  const starts: string[] = [];
  let now = 0;
  let maxRunning = 0;
  while (scheduler.hasTasks()) {
    for (const id of scheduler.next()) {
      starts.push(id);
      endsAt.set(id, now + work.get(id)!);
    }
    maxRunning = Math.max(maxRunning, scheduler.running().length);
    const running = scheduler.running();
    if (running.length === 0) throw new Error('stuck: tasks left but nothing runs');
    const first = running.reduce((best, id) => (endsAt.get(id)! < endsAt.get(best)! ? id : best));
    now = endsAt.get(first)!;
    finishedAt.set(first, now);
    scheduler.complete(first, outcomes[first] ?? 'succeeded');
  }
  return { starts, maxRunning, scheduler, finishedAt };
}

/** A small deterministic PRNG (mulberry32), so random graphs are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomGraph(count: number, seed: number, folders = 20): ScheduleTask[] {
  const next = random(seed);
  const tasks: ScheduleTask[] = [];
  for (let i = 0; i < count; i++) {
    const phase = PHASES[Math.min(3, Math.floor((i / count) * 4))]!;
    const samePhase = tasks.filter((t) => t.phase === phase);
    const needs = samePhase.filter(() => next() < 3 / (samePhase.length + 1)).map((t) => t.id);
    const files = [`src/f${Math.floor(next() * folders)}/**`];
    tasks.push(task(`t${i}`, { phase, needs, files, work: 1 + Math.floor(next() * 10) }));
  }
  return tasks;
}

describe('createScheduler', () => {
  it('never runs more tasks than the concurrency', () => {
    const tasks = Array.from({ length: 10 }, (_, i) => task(`t${i}`));
    const scheduler = createScheduler(tasks, { concurrency: 3 });
    expect(scheduler.next()).toEqual(['t0', 't1', 't2']);
    expect(scheduler.next()).toEqual([]);
    expect(scheduler.state('t0')).toBe('running');
    expect(scheduler.state('t3')).toBe('ready');
    scheduler.complete('t1', 'succeeded');
    expect(scheduler.next()).toEqual(['t3']);
    expect(scheduler.running()).toEqual(['t0', 't2', 't3']);
    expect(simulate(tasks, { concurrency: 3 }).maxRunning).toBe(3);
  });

  it('starts the task with the longest remaining critical path first, ties in plan order', () => {
    const tasks = [
      task('short', { work: 1 }),
      task('head', { work: 1 }),
      task('tail', { needs: ['head'], work: 10 }),
      task('middle', { work: 5 }),
      task('middle-too', { work: 5 }),
    ];
    expect(simulate(tasks, { concurrency: 1 }).starts).toEqual([
      'head',
      'tail',
      'middle',
      'middle-too',
      'short',
    ]);
  });

  it('opens a phase only when every task of the earlier phases succeeded', () => {
    const tasks = [
      task('build', { phase: 'execute' }),
      task('api', { phase: 'design', work: 3 }),
      task('db', { phase: 'design', work: 1 }),
      task('spec', { phase: 'spec' }),
    ];
    const scheduler = createScheduler(tasks, { concurrency: 4 });
    expect(scheduler.next()).toEqual(['api', 'db']);
    scheduler.complete('db', 'succeeded');
    expect(scheduler.next()).toEqual([]);
    expect(scheduler.state('spec')).toBe('pending');
    scheduler.complete('api', 'succeeded');
    expect(scheduler.next()).toEqual(['spec']);
    scheduler.complete('spec', 'succeeded');
    expect(scheduler.next()).toEqual(['build']);
  });

  it('never runs two tasks whose files may intersect at the same time', () => {
    const tasks = [
      task('login', { files: ['src/auth/**'] }),
      task('session', { files: ['src/auth/session.ts'] }),
      task('docs', { files: ['docs/**'] }),
      task('billing', { files: ['src/billing/*.ts'] }),
    ];
    const scheduler = createScheduler(tasks, { concurrency: 4 });
    expect(scheduler.next()).toEqual(['login', 'docs', 'billing']);
    expect(scheduler.state('session')).toBe('ready');
    scheduler.complete('login', 'succeeded');
    expect(scheduler.next()).toEqual(['session']);
  });

  it('skips the dependents of a failed task and later phases, while independent work goes on', () => {
    const tasks = [
      task('schema', { phase: 'design' }),
      task('api', { phase: 'design', needs: ['schema'] }),
      task('client', { phase: 'design', needs: ['api'] }),
      task('docs', { phase: 'design', work: 5 }),
      task('spec', { phase: 'spec' }),
      task('build', { phase: 'execute' }),
    ];
    const scheduler = createScheduler(tasks, { concurrency: 2 });
    expect(scheduler.next()).toEqual(['docs', 'schema']);
    expect(scheduler.complete('schema', 'failed')).toEqual({ skipped: ['api', 'client', 'spec', 'build'] });
    expect(scheduler.state('api')).toBe('skipped');
    expect(scheduler.state('docs')).toBe('running');
    expect(scheduler.hasTasks()).toBe(true);
    expect(scheduler.complete('docs', 'succeeded')).toEqual({ skipped: [] });
    expect(scheduler.hasTasks()).toBe(false);
    expect(scheduler.state('schema')).toBe('failed');
  });

  it('treats conflicted and canceled like failed', () => {
    const tasks = [task('a'), task('b', { needs: ['a'] }), task('c'), task('d', { needs: ['c'] })];
    const { scheduler } = simulate(tasks, { concurrency: 2 }, { a: 'conflicted', c: 'canceled' });
    expect(tasks.map((t) => scheduler.state(t.id))).toEqual(['conflicted', 'skipped', 'canceled', 'skipped']);
  });

  it('with concurrency 1 runs everything in a valid order (direct mode)', () => {
    const tasks = randomGraph(300, 7);
    const { starts, maxRunning, finishedAt } = simulate(tasks, { concurrency: 1 });
    expect(maxRunning).toBe(1);
    expect([...starts].sort()).toEqual(tasks.map((t) => t.id).sort());
    const position = new Map(starts.map((id, i) => [id, i]));
    for (const t of tasks) {
      for (const need of t.needs) expect(position.get(need)!).toBeLessThan(position.get(t.id)!);
    }
    const phases = starts.map((id) => PHASES.indexOf(tasks.find((t) => t.id === id)!.phase));
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
    expect(finishedAt.size).toBe(300);
  });

  it('with more workers keeps dependencies, barriers and file conflicts', () => {
    const tasks = randomGraph(400, 11);
    const scheduler = createScheduler(tasks, { concurrency: 6 });
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const succeeded = new Set<string>();
    let step = 0;
    while (scheduler.hasTasks()) {
      const started = scheduler.next();
      const running = scheduler.running();
      expect(running.length).toBeLessThanOrEqual(6);
      for (const id of started) {
        const t = byId.get(id)!;
        expect(t.needs.every((need) => succeeded.has(need))).toBe(true);
        const earlier = tasks.filter((o) => PHASES.indexOf(o.phase) < PHASES.indexOf(t.phase));
        expect(earlier.every((o) => succeeded.has(o.id))).toBe(true);
      }
      const folders = running.map((id) => byId.get(id)!.files[0]);
      expect(new Set(folders).size).toBe(folders.length);
      const done = running[step++ % running.length]!;
      scheduler.complete(done, 'succeeded');
      succeeded.add(done);
    }
    expect(succeeded.size).toBe(400);
  });

  it('counts tasks already done on resume', () => {
    const tasks = [task('a', { phase: 'design' }), task('b', { needs: ['a'] }), task('c', { needs: ['b'] })];
    const scheduler = createScheduler(tasks, { concurrency: 2, done: ['a', 'b'] });
    expect(scheduler.state('b')).toBe('succeeded');
    expect(scheduler.next()).toEqual(['c']);
  });

  it('rejects graphs that could never finish, and misuse', () => {
    expect(() => createScheduler([task('a', { needs: ['ghost'] })], { concurrency: 1 })).toThrow(
      InternalError,
    );
    expect(() =>
      createScheduler([task('a', { needs: ['b'] }), task('b', { needs: ['a'] })], { concurrency: 1 }),
    ).toThrow(/cycle/);
    expect(() =>
      createScheduler([task('a', { phase: 'design', needs: ['b'] }), task('b')], { concurrency: 1 }),
    ).toThrow(/later phase/);
    expect(() => createScheduler([task('a')], { concurrency: 0 })).toThrow(InternalError);
    const scheduler = createScheduler([task('a')], { concurrency: 1 });
    expect(() => scheduler.complete('a', 'succeeded')).toThrow(/not running/);
    expect(() => scheduler.state('nope')).toThrow(/unknown task/);
  });

  it('schedules 2,000 tasks with overlapping files quickly', () => {
    const tasks = randomGraph(2000, 3, 200);
    const started = process.cpuUsage();
    const { starts } = simulate(tasks, { concurrency: 8 });
    expect(starts).toHaveLength(2000);
    // CPU time, which a busy machine does not stretch: it catches quadratic blow-ups; `npm run bench` measures.
    expect(cpuMsSince(started)).toBeLessThan(10_000);
  });
});
