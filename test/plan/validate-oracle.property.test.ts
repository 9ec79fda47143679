import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFieldPath } from '../../src/plan/field-path.js';
import { planToYaml } from '../../src/plan/serialize.js';
import { validatePlan } from '../../src/plan/validate.js';
import { propertySettings } from '../helpers/property.js';
import { validatePlan as validatePlanOracle } from './oracle/validate.js';
import { planToYamlOracle } from './serialize-oracle.js';

// Task fields as plan authors get them right and wrong: ids with slashes and capitals, blank and
// multi-line titles, unknown phases, needs that repeat, name themselves, later phases, unknown
// tasks or form cycles, files outside the repository, estimates and timeouts of every shape.
const ids = ['a', 'b', 'c', 'd', 'e'];
const id = fc.oneof(fc.constantFrom(...ids), fc.constantFrom('A', 'x/y', '..', '', 'ok-1'), fc.integer());
const title = fc.oneof(
  fc.constantFrom('Do it', '  ', 'two\nlines', 'x'.repeat(101), 'Refactor the sessionStore'),
  fc.string({ maxLength: 12 }),
);
const phase = fc.option(fc.constantFrom('design', 'spec', 'task', 'execute', 'Design', 'later', 3), {
  nil: undefined,
});
const need = fc.oneof(fc.constantFrom(...ids, 'zz'), fc.constant(5));
const file = fc.constantFrom('src/**', '/etc/passwd', '../out', 'a/../../b', '~/x', 'C:\\x', 'docs/a.md', 7);
const duration = fc.oneof(
  fc.constantFrom('90m', '2h', '1d', '0', 'soon', '-1m', '30s', '99999999m'),
  fc.integer({ min: -2, max: 3000 }),
);
const estimate = fc.oneof(
  duration,
  fc.record(
    { optimistic: duration, likely: duration, pessimistic: duration, guess: duration },
    { requiredKeys: [] },
  ),
);
const task = fc.record(
  {
    id,
    title,
    phase,
    prompt: fc.oneof(fc.constantFrom('write it', '  ', ''), fc.integer()),
    run: fc.constantFrom('true', 'npm test', ''),
    // Now and then past 16 needs, where repeats are found with a set.
    needs: fc.oneof(
      { arbitrary: fc.array(need, { maxLength: 4 }), weight: 6 },
      { arbitrary: fc.array(need, { minLength: 17, maxLength: 24 }), weight: 1 },
    ),
    files: fc.array(file, { maxLength: 3 }),
    estimate,
    timeout: duration,
    agent: fc.constantFrom('shell', 'codex'),
    verify: fc.constant('npm test'),
    retries: fc.integer({ min: -1, max: 3 }),
    commitType: fc.constantFrom('feat', 'Bad Type'),
  },
  { requiredKeys: ['id', 'title'] },
);
const plan = fc.record(
  {
    version: fc.constant(1),
    milestone: fc.constantFrom('Add login', '', 'two\nlines'),
    id: fc.constantFrom('add-login', 'Bad/Id'),
    description: fc.constant('What it is about'),
    base: fc.constant('main'),
    defaults: fc.record({ agent: fc.constant('shell'), timeout: duration }, { requiredKeys: [] }),
    tasks: fc.array(task, { maxLength: 7 }),
  },
  { requiredKeys: ['version', 'milestone', 'tasks'] },
);

/** Field paths as the file's locations would name them (the positions come from the text). */
const locate = (path: readonly (string | number)[], target?: 'key' | 'value') => ({
  file: 'plan.json',
  field: `${formatFieldPath(path)}${target === 'key' ? ' (key)' : ''}`,
});

describe('validatePlan against the version before the fourth plan --from pass (oracle)', () => {
  it('gives the same plan, or the same problems with the same messages and places', () => {
    fc.assert(
      fc.property(plan, (raw) => {
        const context = { locate };
        expect(validatePlan(raw, context)).toEqual(validatePlanOracle(raw, context));
      }),
      propertySettings(400),
    );
  });
});

/** Valid plans: distinct ids, needs on earlier tasks, phases in order, every optional field. */
const PHASE_ORDER = ['design', 'spec', 'task', 'execute'];
const validTask = (taskId: string, earlier: string[]) =>
  fc.record(
    {
      id: fc.constant(taskId),
      title: fc.oneof(
        fc.constantFrom('Do it', 'Refactor: the "store"', 'true', '- dash'),
        fc.string({ minLength: 1, maxLength: 40 }).filter((t) => t.trim() !== '' && !/[\r\n]/.test(t)),
      ),
      phase: fc.constantFrom(...PHASE_ORDER),
      prompt: fc.oneof(
        fc.constantFrom('line one\nline two\n', 'write it', '  lead'),
        fc.string({ minLength: 1 }),
      ),
      run: fc.constantFrom('true', 'npm test -- "x"', 'echo a: b'),
      needs: fc.subarray(earlier),
      files: fc.array(fc.constantFrom('src/**', 'docs/a b.md', 'x, y', '{a,b}/*.ts'), { maxLength: 3 }),
      estimate: fc.oneof(
        fc.constantFrom('90m', '2h', '1d', 7, 0.5),
        fc.constant({ optimistic: '1h', likely: '2h', pessimistic: '1w' }),
      ),
      timeout: fc.constantFrom('30m', '1500s', 45, '2h'),
      agent: fc.constantFrom('shell', 'codex'),
      verify: fc.constantFrom('npm test', 'yes'),
      retries: fc.integer({ min: 0, max: 3 }),
      commitType: fc.constantFrom('feat', 'fix'),
    },
    { requiredKeys: ['id', 'title', 'run'] },
  );
const validPlan = fc
  .uniqueArray(fc.constantFrom(...ids, 'f', 'g'), { minLength: 1, maxLength: 7 })
  .chain((list) =>
    fc.tuple(...list.map((taskId, i) => validTask(taskId, list.slice(0, i)))).map((tasks) => {
      // Phases never decrease along the list, so a need is never of a later phase.
      const phases = tasks
        .map((t) => (t.phase as string | undefined) ?? 'execute')
        .sort((a, b) => PHASE_ORDER.indexOf(a) - PHASE_ORDER.indexOf(b));
      return {
        version: 1,
        milestone: 'Add login',
        description: 'multi\nline',
        defaults: { agent: 'shell', timeout: '20m' },
        tasks: tasks.map((t, i) => ({ ...t, phase: phases[i] })),
      };
    }),
  );

describe('planToYaml against the version before its tasks were written straight to text (oracle)', () => {
  it('writes the same text for any valid plan', () => {
    fc.assert(
      fc.property(validPlan, (raw) => {
        const result = validatePlan(raw, { locate });
        expect(result.problems).toEqual([]);
        expect(planToYaml(result.plan!)).toBe(planToYamlOracle(result.plan!));
      }),
      propertySettings(300),
    );
  });
});
