import { describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../src/plan/load.js';
import { writePlan } from './plan-file.js';

describe('a 10,000-task YAML plan', () => {
  it('parses and validates (the yaml parser dominates: seconds, not minutes)', async () => {
    const lines = ['version: 1', 'milestone: Ten thousand tasks', 'tasks:'];
    for (let i = 0; i < 10_000; i++) {
      lines.push(
        `  - id: t${i}`,
        `    title: Task ${i}`,
        `    run: echo ${i}`,
        `    needs: [${i === 0 ? '' : `t${i - 1}`}]`,
      );
    }
    const result = await loadPlanFile(writePlan(`${lines.join('\n')}\n`, 'big.yaml'));
    expect(result.problems).toEqual([]);
    expect(result.plan!.tasks).toHaveLength(10_000);
  });
});
