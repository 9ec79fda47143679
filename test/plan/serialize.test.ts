import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../src/plan/load.js';
import { parsePlan } from '../../src/plan/parse.js';
import { planToYaml } from '../../src/plan/serialize.js';
import { propertySettings } from '../helpers/property.js';
import { fixture } from './plan-file.js';

describe('planToYaml', () => {
  it.each([
    'add-login.yaml',
    'add-login.json',
    'kiro-tasks.md',
    'spec-kit-tasks.md',
    'taskmaster-tasks.json',
  ])('%s reads back as the same plan', async (name) => {
    const { plan } = await loadPlanFile(fixture(name));
    const back = parsePlan(planToYaml(plan!), { file: 'milestone.yaml' });
    expect(back.problems).toEqual([]);
    expect(back.plan).toEqual(plan);
  });

  it('writes durations as people write them and leaves defaults out of tasks', async () => {
    const { plan } = await loadPlanFile(fixture('add-login.yaml'));
    const yaml = planToYaml(plan!);
    expect(yaml).toContain('weights: {design: 0.1, spec: 0.2, task: 0.2, execute: 0.5}');
    expect(yaml).toContain('  timeout: 30m\n');
    expect(yaml).toContain('    estimate: {optimistic: 30m, likely: 1h, pessimistic: 3h}\n');
    expect(yaml).toContain('    needs: [split-work]\n');
    expect(yaml.match(/agent:/g)).toHaveLength(2);
  });

  it('keeps odd timeouts and estimates exact', () => {
    const { plan } = parsePlan(
      'version: 1\nmilestone: Odd\ntasks:\n  - { id: a, title: A, run: x, estimate: 0.3333, timeout: 1.5s }\n',
      { file: 'odd.yaml' },
    );
    const back = parsePlan(planToYaml(plan!), { file: 'milestone.yaml' });
    expect(back.plan).toEqual(plan);
    expect(back.plan!.tasks[0]!.timeoutMs).toBe(1500);
  });
});

describe('planToYaml on any text', () => {
  // Texts people put in plans: quotes, colons, hashes, brackets, leading dashes and spaces,
  // several lines, unicode; each must read back exactly.
  const text = fc.oneof(
    fc.string({ minLength: 1, maxLength: 30 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    fc
      .array(
        fc.constantFrom(
          'a',
          ' ',
          '-',
          ':',
          '#',
          '"',
          "'",
          '\n',
          '\t',
          '[',
          ',',
          '*',
          '1',
          'true',
          '|',
          '>',
          '&',
        ),
        {
          minLength: 1,
          maxLength: 12,
        },
      )
      .map((parts) => parts.join('')),
  );
  it('reads back as the same plan', async () => {
    const { plan } = await loadPlanFile(fixture('add-login.yaml'));
    fc.assert(
      fc.property(text, text, text, text, text, (title, prompt, run, glob, description) => {
        fc.pre(title.trim() !== '' && prompt.trim() !== '');
        const [first, ...rest] = plan!.tasks;
        const changed = {
          ...plan!,
          description,
          tasks: [{ ...first!, title, prompt, run, files: [glob, 'src/**'] }, ...rest],
        };
        const back = parsePlan(planToYaml(changed), { file: 'milestone.yaml' });
        // A value the plan checks reject (not the writing) is skipped; most cases are plans.
        fc.pre(back.problems.length === 0);
        expect(back.plan).toEqual(changed);
      }),
      propertySettings(300),
    );
  });
});
