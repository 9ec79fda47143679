import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../src/core/analysis.js';
import { DEFAULT_DEFAULTS, DEFAULT_WEIGHTS, type Plan, type TaskSpec } from '../../src/core/types.js';

function task(id: string, fields: Partial<TaskSpec> = {}): TaskSpec {
  return { id, title: id, phase: 'execute', run: 'true', needs: [], files: [], ...fields };
}

const hour = { optimistic: 60, likely: 60, pessimistic: 60 };

describe('analyzeGraph', () => {
  it('summarises order, waves, critical path, score and overlaps of a plan', () => {
    const plan: Plan = {
      version: 1,
      id: 'add-login',
      title: 'Add login',
      weights: DEFAULT_WEIGHTS,
      defaults: DEFAULT_DEFAULTS,
      tasks: [
        task('api', { phase: 'design', estimate: hour, files: ['docs/api.md'] }),
        task('login', { estimate: hour, files: ['src/auth/**'] }),
        task('session', { estimate: hour, files: ['src/auth/session.ts'] }),
        task('ui', { estimate: hour, files: ['src/ui/**'] }),
        task('e2e', { needs: ['login', 'session', 'ui'], estimate: hour, files: ['test/**'] }),
      ],
    };
    expect(analyzeGraph(plan)).toEqual({
      order: ['api', 'login', 'session', 'ui', 'e2e'],
      waves: [['api'], ['login', 'session', 'ui'], ['e2e']],
      criticalPath: { path: ['api', 'login', 'e2e'], length: 180 },
      totalWork: 300,
      parallelScore: 1 - 180 / 300,
      overlaps: [{ a: 'login', b: 'session', files: [['src/auth/**', 'src/auth/session.ts']] }],
      maxWaveWidth: 3,
    });
  });

  it('handles an empty plan', () => {
    const plan: Plan = {
      version: 1,
      id: 'e',
      title: 'E',
      weights: DEFAULT_WEIGHTS,
      defaults: DEFAULT_DEFAULTS,
      tasks: [],
    };
    expect(analyzeGraph(plan)).toEqual({
      order: [],
      waves: [],
      criticalPath: { path: [], length: 0 },
      totalWork: 0,
      parallelScore: 0,
      overlaps: [],
      maxWaveWidth: 0,
    });
  });
});
