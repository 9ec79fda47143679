import { describe, expect, it } from 'vitest';
import { DEFAULT_DEFAULTS, DEFAULT_WEIGHTS } from '../../src/core/types.js';
import { formatProblem } from '../../src/errors.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { fixture, loadText, onlyProblem, yamlPlan } from './plan-file.js';

describe('a valid plan', () => {
  it('is normalised: durations in minutes and ms, defaults merged, task overrides only', async () => {
    const result = await loadPlanFile(fixture('add-login.yaml'));
    expect(result.problems).toEqual([]);
    expect(result.format).toBe('milestone-yaml');
    const plan = result.plan!;
    expect(plan).toMatchObject({
      version: 1,
      id: 'add-login',
      title: 'Add login feature',
      base: 'main',
      weights: { design: 0.1, spec: 0.2, task: 0.2, execute: 0.5 },
      defaults: { agent: 'shell', verify: 'npm test', timeoutMs: 30 * 60_000, retries: 1 },
    });
    expect(plan.tasks.map((t) => [t.id, t.phase])).toEqual([
      ['api-schema', 'design'],
      ['session-spec', 'spec'],
      ['split-work', 'task'],
      ['login-route', 'execute'],
      ['logout-route', 'execute'],
    ]);
    const [design, spec, split, login, logout] = plan.tasks;
    expect(design).toEqual({
      id: 'api-schema',
      title: 'Define the login API',
      phase: 'design',
      prompt: 'Write docs/api/login.md describing POST /login and POST /logout.',
      needs: [],
      files: ['docs/api/**'],
      estimate: { optimistic: 60, likely: 60, pessimistic: 60 },
    });
    expect(spec!.estimate).toEqual({ optimistic: 30, likely: 60, pessimistic: 180 });
    expect(split!.estimate).toEqual({ optimistic: 45, likely: 45, pessimistic: 45 });
    expect(split!.run).toBe('node scripts/plan-tasks.js');
    expect(login).toMatchObject({
      agent: 'codex',
      verify: 'npm test -- auth',
      timeoutMs: 20 * 60_000,
      retries: 2,
    });
    expect(logout!.estimate!.likely).toBe(8 * 60);
    // Defaults stay in `defaults`, not copied into tasks.
    expect(logout).not.toHaveProperty('agent');
    expect(logout).not.toHaveProperty('timeoutMs');
    expect(logout).not.toHaveProperty('retries');
  });

  it('gets the reference weights, default defaults, phase execute and empty lists when absent', async () => {
    const result = await loadText(yamlPlan('  - id: only\n    title: Only task\n    run: "true"\n'));
    expect(result.problems).toEqual([]);
    expect(result.plan).toEqual({
      version: 1,
      id: 'test-plan',
      title: 'Test plan',
      weights: DEFAULT_WEIGHTS,
      defaults: DEFAULT_DEFAULTS,
      tasks: [{ id: 'only', title: 'Only task', phase: 'execute', run: 'true', needs: [], files: [] }],
    });
  });

  it('reads a JSON milestone plan the same way', async () => {
    const result = await loadPlanFile(fixture('add-login.json'));
    expect(result.format).toBe('milestone-json');
    expect(result.problems).toEqual([]);
    expect(result.plan!.id).toBe('add-login-feature');
    expect(result.plan!.tasks[1]).toMatchObject({ needs: ['api-schema'], timeoutMs: 90 * 60_000 });
  });

  it('takes the title and id from the options over the file', async () => {
    const file = fixture('add-login.yaml');
    const titled = await loadPlanFile(file, { title: 'Login, again' });
    expect(titled.plan).toMatchObject({ title: 'Login, again', id: 'add-login' });
    const both = await loadPlanFile(file, { title: 'Login, again', id: 'login-2' });
    expect(both.plan).toMatchObject({ title: 'Login, again', id: 'login-2' });
    const untitled = await loadText('version: 1\ntasks: [{ id: a, title: A, run: x }]\n');
    expect(onlyProblem(untitled).code).toBe('MILESTONE_PLAN_SCHEMA');
    const fromOption = await loadPlanFile(untitled.file, { title: 'Given on the command line' });
    expect(fromOption.plan).toMatchObject({
      title: 'Given on the command line',
      id: 'given-on-the-command-line',
    });
  });

  it('accepts 30s, 90m, 2h, 1d and plain minutes', async () => {
    const result = await loadText(
      yamlPlan(
        [
          '  - { id: a, title: A, run: x, estimate: 30s, timeout: 90m }',
          '  - { id: b, title: B, run: x, estimate: 2h, timeout: 1d }',
          '  - { id: c, title: C, run: x, estimate: 15, timeout: 45 }',
        ].join('\n'),
      ),
    );
    expect(result.problems).toEqual([]);
    const [a, b, c] = result.plan!.tasks;
    expect([a!.estimate!.likely, a!.timeoutMs]).toEqual([0.5, 90 * 60_000]);
    expect([b!.estimate!.likely, b!.timeoutMs]).toEqual([120, 8 * 60 * 60_000]);
    expect([c!.estimate!.likely, c!.timeoutMs]).toEqual([15, 45 * 60_000]);
  });
});

describe('dependencies', () => {
  it('an unknown dependency names the task and the missing id', async () => {
    const result = await loadText(yamlPlan('  - id: a\n    title: A\n    run: x\n    needs: [ghost]\n'));
    const problem = onlyProblem(result);
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_UNKNOWN_DEP',
      message: 'task "a" needs "ghost", which is not a task in this plan',
      location: { file: result.file, line: 7, column: 13, field: 'tasks[0].needs[0]' },
    });
  });

  it('a task needing itself', async () => {
    const problem = onlyProblem(
      await loadText(yamlPlan('  - id: a\n    title: A\n    run: x\n    needs:\n      - a\n')),
    );
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_CYCLE',
      message: 'task "a" needs itself',
      location: { line: 8, column: 9, field: 'tasks[0].needs[0]' },
    });
  });

  it('a cycle is named as a path', async () => {
    const result = await loadPlanFile(fixture('cycle.yaml'));
    const problem = onlyProblem(result);
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_CYCLE',
      message: 'dependency cycle: a -> c -> b -> a',
      location: { line: 7, column: 13, field: 'tasks[0].needs[0]' },
    });
    expect(formatProblem(problem)).toMatch(
      /cycle\.yaml:7:13 \(tasks\[0\]\.needs\[0\]\): dependency cycle: a -> c -> b -> a$/,
    );
  });

  it('two separate cycles are both reported', async () => {
    const tasks = ['a:b', 'b:a', 'c:d', 'd:c']
      .map((pair) => {
        const [id, need] = pair.split(':');
        return `  - { id: ${id}, title: T, run: x, needs: [${need}] }`;
      })
      .join('\n');
    const result = await loadText(yamlPlan(`${tasks}\n`));
    expect(result.problems.map((p) => p.message)).toEqual([
      'dependency cycle: a -> b -> a',
      'dependency cycle: c -> d -> c',
    ]);
  });

  it('a task needing a task of a later phase can never start', async () => {
    const result = await loadText(
      yamlPlan(
        '  - { id: build, title: Build, run: x }\n  - { id: design, title: Design, phase: design, prompt: p, needs: [build] }\n',
      ),
    );
    const problem = onlyProblem(result);
    expect(problem.code).toBe('MILESTONE_PLAN_PHASE_ORDER');
    expect(problem.message).toBe(
      'task "design" (phase design) needs "build" of the later phase execute; phases run in order design -> spec -> task -> execute, so it could never start',
    );
    expect(problem.location).toMatchObject({ line: 5, field: 'tasks[1].needs[0]' });
  });

  it('needing an earlier phase is fine', async () => {
    const result = await loadText(
      yamlPlan(
        '  - { id: design, title: D, phase: design, prompt: p }\n  - { id: build, title: B, run: x, needs: [design] }\n',
      ),
    );
    expect(result.problems).toEqual([]);
  });
});

describe('phases, weights, actions, durations', () => {
  it('a bad phase lists the allowed values', async () => {
    const problem = onlyProblem(
      await loadText(yamlPlan('  - id: a\n    title: A\n    run: x\n    phase: deploy\n')),
    );
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_BAD_PHASE',
      message: 'phase "deploy" is not one of design, spec, task, execute',
      location: { line: 7, column: 12, field: 'tasks[0].phase' },
    });
  });

  it('a capitalised phase gets a hint', async () => {
    const problem = onlyProblem(await loadText(yamlPlan('  - { id: a, title: A, run: x, phase: Design }\n')));
    expect(problem.message).toBe(
      'phase "Design" is not one of design, spec, task, execute; phases are lowercase',
    );
  });

  const weightCases: Array<[string, string, string]> = [
    [
      '{ design: 0.2, spec: 0.2, task: 0.2, execute: 0.2 }',
      'weights',
      'weights must sum to 1, got 0.8 (0.2 + 0.2 + 0.2 + 0.2)',
    ],
    ['{ design: 15, spec: 25, task: 20, execute: 40 }', 'weights', 'these look like percentages'],
    [
      '{ design: 0.5, execute: 0.5 }',
      'weights',
      'weights must give all four phases (design, spec, task, execute); missing: spec, task',
    ],
    [
      '{ design: 0.15, spec: 0.25, task: 0.2, execute: 0.4, review: 0 }',
      'weights.review',
      'unknown phase `review` in weights',
    ],
    [
      '{ design: 0.5, spec: 0.5, task: 0.2, execute: -0.2 }',
      'weights.execute',
      'weights.execute must not be negative, got -0.2',
    ],
    [
      '{ design: "a lot", spec: 0.25, task: 0.2, execute: 0.4 }',
      'weights.design',
      'weights.design must be a number',
    ],
  ];
  it.each(weightCases)('weights %s', async (weights, field, message) => {
    const problem = onlyProblem(
      await loadText(`version: 1\nmilestone: x\nweights: ${weights}\ntasks: [{ id: a, title: A, run: x }]\n`),
    );
    expect(problem.code).toBe('MILESTONE_PLAN_WEIGHTS');
    expect(problem.message).toContain(message);
    expect(problem.location).toMatchObject({ field, line: 3 });
  });

  it('weights within 1e-6 of 1 are accepted', async () => {
    const result = await loadText(
      'version: 1\nmilestone: x\nweights: { design: 0.1, spec: 0.2, task: 0.3, execute: 0.4000001 }\ntasks: [{ id: a, title: A, run: x }]\n',
    );
    expect(result.problems).toEqual([]);
  });

  it('a task with neither prompt nor run', async () => {
    const problem = onlyProblem(
      await loadText(yamlPlan('  - id: idle\n    title: Nothing to do\n    prompt: "  "\n')),
    );
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_NO_ACTION',
      location: { field: 'tasks[0]', line: 4 },
    });
    expect(problem.message).toBe(
      'task "idle" has neither `prompt` (for a coding agent) nor `run` (a command for the shell agent)',
    );
  });

  const durationCases: Array<[string, string, string]> = [
    [
      'estimate: 2 hours',
      'tasks[0].estimate',
      'estimate "2 hours" is not a duration: use 90m, 2h, 1d (a working day of 8h), 30s or a number of minutes',
    ],
    ['estimate: -5', 'tasks[0].estimate', 'estimate -5 is not a duration'],
    ['timeout: soon', 'tasks[0].timeout', 'timeout "soon" is not a duration'],
    ['timeout: 0', 'tasks[0].timeout', 'timeout must be more than 0'],
    [
      'estimate: { optimistic: 3h, likely: 2h, pessimistic: 4h }',
      'tasks[0].estimate',
      'estimate must have optimistic <= likely <= pessimistic, got optimistic 3h, likely 2h, pessimistic 4h',
    ],
    ['estimate: { optimistic: 1h, likely: 2h }', 'tasks[0].estimate', 'estimate needs `pessimistic`'],
    [
      'estimate: { optimistic: 1h, likely: 2h, pessimistic: lots }',
      'tasks[0].estimate.pessimistic',
      'pessimistic "lots" is not a duration',
    ],
  ];
  it.each(durationCases)('%s', async (line, field, message) => {
    const problem = onlyProblem(
      await loadText(yamlPlan(`  - id: a\n    title: A\n    run: x\n    ${line}\n`)),
    );
    expect(problem.code).toBe('MILESTONE_PLAN_DURATION');
    expect(problem.message).toContain(message);
    expect(problem.location).toMatchObject({ field, line: 7 });
  });

  it('defaults.timeout must be a duration', async () => {
    const problem = onlyProblem(
      await loadText(
        'version: 1\nmilestone: x\ndefaults:\n  timeout: forever\ntasks: [{ id: a, title: A, run: x }]\n',
      ),
    );
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_DURATION',
      message:
        'timeout "forever" is not a duration: use 90m, 2h, 1d (a working day of 8h), 30s or a number of minutes',
      location: { field: 'defaults.timeout', line: 4, column: 12 },
    });
  });
});

describe('all problems, not only the first', () => {
  it('a file with three different problems reports three problems in file order', async () => {
    const file = fixture('three-problems.yaml');
    const result = await loadPlanFile(file);
    expect(result.plan).toBeNull();
    expect(result.problems.map((p) => [p.code, p.location?.line])).toEqual([
      ['MILESTONE_PLAN_BAD_PHASE', 7],
      ['MILESTONE_PLAN_UNKNOWN_DEP', 12],
      ['MILESTONE_PLAN_BAD_ID', 13],
    ]);
    expect(result.problems.map(formatProblem)).toEqual([
      `${file}:7:12 (tasks[0].phase): phase "deploy" is not one of design, spec, task, execute`,
      `${file}:12:25 (tasks[1].needs[1]): task "build" needs "missing-task", which is not a task in this plan`,
      expect.stringContaining(`${file}:13:9 (tasks[2].id): task id "Bad/Id" contains a slash`),
    ]);
  });

  it('schema and graph problems are reported together', async () => {
    const result = await loadText(
      yamlPlan(
        '  - { id: a, title: A, run: x, needs: [b], retries: many }\n  - { id: b, title: B, run: x, needs: [a] }\n',
      ),
    );
    expect(result.problems.map((p) => p.code).sort()).toEqual([
      'MILESTONE_PLAN_CYCLE',
      'MILESTONE_PLAN_SCHEMA',
    ]);
  });
});
