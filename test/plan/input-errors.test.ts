import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { tempDir } from '../helpers/git-repo.js';
import { fixture, loadText, onlyProblem, yamlPlan } from './plan-file.js';

describe('syntax errors', () => {
  it('malformed YAML names the file, line and column', async () => {
    const result = await loadPlanFile(fixture('broken-syntax.yaml'));
    const problem = onlyProblem(result);
    expect(problem.code).toBe('MILESTONE_PLAN_YAML');
    expect(problem.message).toMatch(/^malformed YAML: .*\]/);
    expect(problem.location).toMatchObject({ file: fixture('broken-syntax.yaml'), line: 8, column: 3 });
    expect(formatProblem(problem)).toContain('broken-syntax.yaml:8:3: malformed YAML');
  });

  it('a tab used for indentation is reported where it is', async () => {
    const problem = onlyProblem(await loadText('version: 1\nmilestone: x\ntasks:\n\t- id: a\n'));
    expect(problem.code).toBe('MILESTONE_PLAN_YAML');
    expect(problem.location).toMatchObject({ line: 4, column: 1 });
  });

  it('malformed JSON names the line and column', async () => {
    const text = '{\n  "version": 1,\n  "milestone": "x",\n  "tasks": [,]\n}\n';
    const result = await loadText(text, 'plan.json');
    const problem = onlyProblem(result);
    expect(problem.code).toBe('MILESTONE_PLAN_JSON');
    expect(problem.message).toMatch(/^malformed JSON: /);
    expect(problem.location).toMatchObject({ file: result.file, line: 4, column: 13 });
  });

  it('an empty YAML file is a schema problem, not a crash', async () => {
    const problem = onlyProblem(await loadText(''));
    expect(problem).toMatchObject({ code: 'MILESTONE_PLAN_SCHEMA' });
    expect(problem.message).toContain('the plan is empty');
  });
});

describe('JSON plans', () => {
  it('problems in a JSON plan carry the line and column of the field', async () => {
    const text = [
      '{',
      '  "version": 1,',
      '  "milestone": "JSON plan",',
      '  "tasks": [',
      '    { "id": "a", "title": "A", "run": "x", "phase": "later" },',
      '    { "id": "b", "title": "B", "run": "x", "needs": ["a", "nope"], "colour": "red" }',
      '  ]',
      '}',
    ].join('\n');
    const result = await loadText(text, 'plan.json');
    expect(
      result.problems.map((p) => [p.code, p.location?.field, p.location?.line, p.location?.column]),
    ).toEqual([
      ['MILESTONE_PLAN_BAD_PHASE', 'tasks[0].phase', 5, 53],
      ['MILESTONE_PLAN_UNKNOWN_DEP', 'tasks[1].needs[1]', 6, 59],
      ['MILESTONE_PLAN_SCHEMA', 'tasks[1].colour', 6, 68],
    ]);
  });

  it('a byte order mark is ignored', async () => {
    const result = await loadText(
      '\uFEFF{"version": 1, "milestone": "BOM", "tasks": [{"id": "a", "title": "A", "run": "x"}]}',
      'plan.json',
    );
    expect(result.problems).toEqual([]);
    expect(result.plan!.title).toBe('BOM');
  });
});

describe('missing or unreadable files', () => {
  it('a missing file is a problem naming the file', async () => {
    const result = await loadPlanFile('/nonexistent/dir/plan.yaml');
    expect(result).toEqual({
      plan: null,
      format: null,
      problems: [
        {
          code: 'MILESTONE_PLAN_FILE',
          message: 'plan file not found',
          location: { file: '/nonexistent/dir/plan.yaml' },
        },
      ],
    });
  });

  it('a directory is not a plan file', async () => {
    const problem = onlyProblem(await loadPlanFile(fixture('.')));
    expect(problem.code).toBe('MILESTONE_PLAN_FILE');
    expect(problem.message).toContain('directory');
  });

  it.each([
    ['with its byte order mark (PowerShell)', 'utf16le', '\uFEFF', 'UTF-16LE'],
    ['without one', 'utf16le', '', 'UTF-16LE'],
    ['big-endian', 'utf16be', '\uFEFF', 'UTF-16BE'],
  ])(
    'a UTF-16 file %s is named as such, not as malformed at its first byte',
    async (_how, encoding, bom, name) => {
      const text = `${bom}{"version": 1, "milestone": "M", "tasks": []}`;
      const le = Buffer.from(text, 'utf16le');
      const bytes = encoding === 'utf16be' ? Buffer.from(le).swap16() : le;
      const file = join(tempDir('milestone-plan-'), 'plan.json');
      writeFileSync(file, bytes);
      expect(onlyProblem(await loadPlanFile(file))).toEqual({
        code: 'MILESTONE_PLAN_FILE',
        message: `is ${name} text (PowerShell's \`>\` and some editors write it): save it as UTF-8`,
        location: { file },
      });
    },
  );

  it('an unknown kind of file says which kinds there are', async () => {
    const problem = onlyProblem((await loadText('just some words\n', 'notes.txt')) as never);
    expect(problem.code).toBe('MILESTONE_PLAN_FORMAT');
    expect(problem.message).toContain('tasks.md');
  });
});

describe('schema', () => {
  it('a value outside a list of choices, or not of a pattern, says what was expected and found', async () => {
    const result = await loadText(
      'version: 1\nmilestone: x\nintegration: sometimes\ndefaults: { commitType: Feature }\ntasks: [{ id: a, title: A, run: x }]\n',
    );
    expect(result.problems.map((p) => [p.location?.line, p.location?.column, p.message])).toEqual([
      [3, 14, '`integration` must be one of "each", "batch", "phase", got the text "sometimes"'],
      [4, 25, '`commitType` must be a commit type such as feat, fix, chore, got the text "Feature"'],
    ]);
  });

  it('version must be 1', async () => {
    const problem = onlyProblem(
      await loadText('version: 2\nmilestone: x\ntasks: [{ id: a, title: A, run: x }]\n'),
    );
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_SCHEMA',
      message: 'version must be 1, got 2',
      location: { line: 1, column: 10, field: 'version' },
    });
  });

  it('version is required', async () => {
    const problem = onlyProblem(await loadText('milestone: x\ntasks: [{ id: a, title: A, run: x }]\n'));
    expect(problem.message).toContain('`version: 1` is required');
  });

  it('the milestone title is required', async () => {
    const problem = onlyProblem(await loadText('version: 1\ntasks: [{ id: a, title: A, run: x }]\n'));
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_SCHEMA',
      location: { field: 'milestone', line: 1 },
    });
    expect(problem.message).toContain('title is required');
  });

  it('unknown keys are reported at the key, with a suggestion', async () => {
    const result = await loadText(
      yamlPlan(
        '  - id: a\n    title: A\n    run: x\n    dependsOn: [b]\n',
        'version: 1\nmilestone: x\nowner: me\n',
      ),
    );
    expect(result.plan).toBeNull();
    expect(result.problems).toEqual([
      {
        code: 'MILESTONE_PLAN_SCHEMA',
        message:
          'unknown key `owner` in the plan (allowed: version, milestone, id, description, base, weights, defaults, verify, integration, phases, tasks)',
        location: { file: result.file, line: 3, column: 1, field: 'owner' },
      },
      {
        code: 'MILESTONE_PLAN_SCHEMA',
        message: 'unknown key `dependsOn` in tasks[0]; did you mean `needs`?',
        location: { file: result.file, line: 8, column: 5, field: 'tasks[0].dependsOn' },
      },
    ]);
  });

  it('wrong types say what was expected and what was found', async () => {
    const result = await loadText(
      yamlPlan('  - id: a\n    title: 42\n    run: x\n    needs: b\n    files: [1]\n'),
    );
    expect(result.problems.map((p) => [p.location?.field, p.message])).toEqual([
      ['tasks[0].title', '`title` must be a string, got number 42'],
      ['tasks[0].needs', '`needs` must be a list, got the text "b"'],
      ['tasks[0].files[0]', '`files[0]` must be a string, got number 1'],
    ]);
    expect(result.problems.every((p) => p.code === 'MILESTONE_PLAN_SCHEMA')).toBe(true);
  });

  it('a task needs an id and a title', async () => {
    const result = await loadText(yamlPlan('  - run: x\n'));
    expect(result.problems.map((p) => [p.location?.field, p.message])).toEqual([
      ['tasks[0].id', 'a task needs an `id`'],
      ['tasks[0].title', 'a task needs a `title`'],
    ]);
    // A missing field points at its parent, the task entry.
    expect(result.problems[0]!.location).toMatchObject({ line: 4, column: 5 });
  });

  it('retries must be a non-negative integer', async () => {
    const result = await loadText(
      yamlPlan(
        '  - { id: a, title: A, run: x, retries: 1.5 }\n',
        'version: 1\nmilestone: x\ndefaults: { retries: -1 }\n',
      ),
    );
    expect(result.problems.map((p) => [p.code, p.location?.field, p.message])).toEqual([
      ['MILESTONE_PLAN_SCHEMA', 'defaults.retries', 'retries must be a non-negative integer, got -1'],
      ['MILESTONE_PLAN_SCHEMA', 'tasks[0].retries', 'retries must be a non-negative integer, got 1.5'],
    ]);
  });
});

describe('ids', () => {
  const cases: Array<[string, string]> = [
    ['"../escape"', 'contains `..`'],
    ['feature/login', 'contains a slash'],
    ['Login', 'contains uppercase letters'],
    ['a'.repeat(64), 'is 64 characters long (at most 63)'],
    ['""', 'is empty'],
    ['-leading', 'starts with `-`'],
    ['under_score', 'contains characters other than a-z, 0-9 and `-`'],
  ];
  it.each(cases)('task id %s: %s', async (id, reason) => {
    const problem = onlyProblem(await loadText(yamlPlan(`  - id: ${id}\n    title: T\n    run: x\n`)));
    expect(problem.code).toBe('MILESTONE_PLAN_BAD_ID');
    expect(problem.message).toContain(reason);
    expect(problem.message).toContain('^[a-z0-9][a-z0-9-]{0,62}$');
    expect(problem.location).toMatchObject({ field: 'tasks[0].id', line: 4, column: 9 });
  });

  it('the milestone id in the file is checked', async () => {
    const problem = onlyProblem(
      await loadText('version: 1\nmilestone: x\nid: ../up\ntasks: [{ id: a, title: A, run: x }]\n'),
    );
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_BAD_ID',
      location: { field: 'id', line: 3, column: 5 },
    });
    expect(problem.message).toMatch(/^milestone id "..\/up" contains `..`/);
  });

  it('an id given as an option is checked too', async () => {
    const file = fixture('add-login.yaml');
    const problem = onlyProblem(await loadPlanFile(file, { id: 'Has/Slash' }));
    expect(problem.code).toBe('MILESTONE_PLAN_BAD_ID');
    expect(problem.message).toContain('given as an option');
  });

  it('a duplicate task id names both places', async () => {
    const result = await loadText(
      yamlPlan(
        '  - id: a\n    title: A\n    run: x\n  - id: b\n    title: B\n    run: x\n  - id: a\n    title: A2\n    run: x\n',
      ),
    );
    const problem = onlyProblem(result);
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_DUPLICATE_ID',
      message: 'task id "a" is used twice: tasks[0] (line 4) and tasks[2] (line 10)',
      location: { file: result.file, line: 10, column: 9, field: 'tasks[2].id' },
    });
  });
});
