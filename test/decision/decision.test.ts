import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import type { MilestoneState } from '../../src/core/projection.js';
import { applyEvent } from '../../src/core/projection.js';
import type { Plan } from '../../src/core/types.js';
import { DEFAULT_DEFAULTS, DEFAULT_WEIGHTS } from '../../src/core/types.js';
import type { Complexity } from '../../src/decision/complexity.js';
import { assessComplexity, atLeast, complexityFactors, levelRank } from '../../src/decision/complexity.js';
import { measuredHistory } from '../../src/decision/history.js';
import type { DecisionInput } from '../../src/decision/mode.js';
import { decideMode } from '../../src/decision/mode.js';
import { chooseConcurrency } from '../../src/decision/resources.js';

const thresholds = DEFAULT_CONFIG.complexity;
const factors = (taskCount: number, fileCount = 0) => ({
  phaseCount: 1,
  taskCount,
  fileCount,
  gitOperations: 0,
});

describe('complexity', () => {
  it('uses the reference thresholds: tasks > 20 or files > 50 high, tasks > 10 or files > 20 medium', () => {
    expect(assessComplexity(factors(21), thresholds)).toMatchObject({
      level: 'high',
      reason: 'high complexity (21 tasks > 20)',
    });
    expect(assessComplexity(factors(3, 51), thresholds)).toMatchObject({
      level: 'high',
      reason: 'high complexity (51 files > 50)',
    });
    expect(assessComplexity(factors(20), thresholds).level).toBe('medium');
    expect(assessComplexity(factors(11), thresholds).level).toBe('medium');
    expect(assessComplexity(factors(2, 21), thresholds).level).toBe('medium');
    expect(assessComplexity(factors(10, 20), thresholds).level).toBe('low');
  });

  it('is configurable', () => {
    const strict = { high: { tasks: 4, files: 100 }, medium: { tasks: 2, files: 100 } };
    expect(assessComplexity(factors(5), strict).level).toBe('high');
    expect(assessComplexity(factors(3), strict).level).toBe('medium');
  });

  it('orders levels low < medium < high', () => {
    expect(atLeast('high', 'medium')).toBe(true);
    expect(atLeast('low', 'medium')).toBe(false);
    expect(levelRank('low')).toBeLessThan(levelRank('medium'));
  });

  it('counts the git operations a parallel run makes', () => {
    const plan: Plan = {
      version: 1,
      id: 'p',
      title: 'P',
      weights: DEFAULT_WEIGHTS,
      defaults: DEFAULT_DEFAULTS,
      tasks: [
        { id: 'a', title: 'A', phase: 'design', run: 'x', needs: [], files: [] },
        { id: 'b', title: 'B', phase: 'execute', run: 'x', needs: [], files: [] },
      ],
    };
    // the branch, per task a branch + commit + merge, per phase with tasks a phase commit
    expect(complexityFactors(plan, 7)).toEqual({
      phaseCount: 2,
      taskCount: 2,
      fileCount: 7,
      gitOperations: 1 + 6 + 2,
    });
  });
});

const high: Complexity = assessComplexity(factors(27), thresholds);
const medium: Complexity = assessComplexity(factors(15), thresholds);
const low: Complexity = assessComplexity(factors(3), thresholds);
const input = (over: Partial<DecisionInput>): DecisionInput => ({
  requested: 'auto',
  adoption: 'default-complex',
  complexity: high,
  parallelScore: 0.74,
  agentsAvailable: 3,
  agentsNeeded: 3,
  concurrency: 4,
  history: null,
  ...over,
});

describe('decideMode', () => {
  it('chooses agents for high complexity and a parallel score above 0.6, and says why in one line', () => {
    const decision = decideMode(input({}));
    expect(decision.mode).toBe('agents');
    expect(decision.reason).toBe(
      'agents: high complexity (27 tasks > 20), parallel score 0.74, 3 of 3 agents available, concurrency 4',
    );
  });

  it('chooses hybrid for medium complexity, direct for low', () => {
    expect(decideMode(input({ complexity: medium })).mode).toBe('hybrid');
    expect(decideMode(input({ complexity: low })).mode).toBe('direct');
  });

  it('chooses direct when the parallel score is 0.6 or less, an agent is missing, or concurrency is 1', () => {
    expect(decideMode(input({ parallelScore: 0.6 })).reason).toMatch(/^direct: parallel score 0.60 <= 0.6/);
    expect(decideMode(input({ agentsAvailable: 2 })).reason).toMatch(
      /^direct: a needed agent is unavailable/,
    );
    expect(decideMode(input({ concurrency: 1 })).mode).toBe('direct');
  });

  it('honours an explicit --mode and records what auto would have chosen', () => {
    const decision = decideMode(input({ requested: 'direct' }));
    expect(decision).toMatchObject({ mode: 'direct', wouldHave: 'agents' });
  });

  it('observe: always direct, recording the decision it would have made', () => {
    const decision = decideMode(input({ adoption: 'observe', requested: 'agents' }));
    expect(decision).toMatchObject({ mode: 'direct', wouldHave: 'agents', adoption: 'observe' });
    expect(decision.reason).toContain('--mode agents ignored');
    expect(decision.reason).toContain('would have been agents');
  });

  it('opt-in: direct unless --mode agents', () => {
    expect(decideMode(input({ adoption: 'opt-in' }))).toMatchObject({ mode: 'direct', wouldHave: 'agents' });
    expect(decideMode(input({ adoption: 'opt-in', requested: 'agents' })).mode).toBe('agents');
  });

  it('auto: decides as default-complex until history exists, and says so', () => {
    const decision = decideMode(input({ adoption: 'auto', complexity: medium }));
    expect(decision.mode).toBe('hybrid');
    expect(decision.reason).toContain('no measured history yet');
  });

  it('auto: measured history adjusts the decision both ways', () => {
    expect(decideMode(input({ adoption: 'auto', history: { runs: 3, parallelism: 1.05 } })).mode).toBe(
      'direct',
    );
    const eager = decideMode(
      input({ adoption: 'auto', complexity: medium, history: { runs: 2, parallelism: 2.4 } }),
    );
    expect(eager.mode).toBe('agents');
    expect(eager.reason).toContain('measured parallelism 2.40x over 2 parallel runs');
  });
});

describe('measuredHistory', () => {
  it('is the busy time over the wall time of completed parallel runs', () => {
    const plan: Plan = {
      version: 1,
      id: 'h',
      title: 'H',
      weights: DEFAULT_WEIGHTS,
      defaults: DEFAULT_DEFAULTS,
      tasks: ['a', 'b'].map((id) => ({
        id,
        title: id,
        phase: 'execute' as const,
        run: 'x',
        needs: [],
        files: [],
      })),
    };
    let seq = 0;
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    let state: MilestoneState | undefined;
    const events = [
      { type: 'milestone_planned' as const, plan, base: 'main', branch: 'milestone/h' },
      { type: 'mode_selected' as const, mode: 'agents' as const, reason: 'test' },
      { type: 'task_status' as const, taskId: 'a', status: 'running' as const, attempt: 1, at: 0 },
      { type: 'task_status' as const, taskId: 'b', status: 'running' as const, attempt: 1, at: 0 },
      { type: 'task_status' as const, taskId: 'a', status: 'succeeded' as const, at: 10 },
      { type: 'task_status' as const, taskId: 'b', status: 'succeeded' as const, at: 10 },
      { type: 'milestone_status' as const, status: 'completed' as const, at: 10 },
    ];
    for (const { at: s, ...event } of events.map((e) => ({ at: 0, ...e }))) {
      state = applyEvent(state, { ...event, seq: ++seq, milestoneId: 'h', at: at(s) } as never);
    }
    expect(measuredHistory([state!])).toEqual({ runs: 1, parallelism: 2 });
    expect(measuredHistory([{ ...state!, mode: 'direct' }])).toBeNull();
  });
});

describe('chooseConcurrency', () => {
  it('honours an explicit flag beyond the CPU count, then config, then CPUs and memory', () => {
    const machine = { cpus: 2, freeMemoryBytes: 3 * 1024 ** 3 };
    expect(chooseConcurrency(16, 4, machine)).toMatchObject({ concurrency: 16, source: 'flag' });
    expect(chooseConcurrency(undefined, 6, machine)).toMatchObject({ concurrency: 6, source: 'config' });
    expect(chooseConcurrency(undefined, null, machine)).toMatchObject({ concurrency: 3, source: 'machine' });
    expect(chooseConcurrency(undefined, null, { cpus: 2, freeMemoryBytes: 64 * 1024 ** 3 }).concurrency).toBe(
      4,
    );
  });
});
