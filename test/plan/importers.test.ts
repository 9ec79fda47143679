import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/types.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { parsePlan } from '../../src/plan/parse.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';
import { fixture, loadText, onlyProblem } from './plan-file.js';

/** `id -> needs` of a plan, for compact assertions. */
function needsOf(plan: Plan): Record<string, string[]> {
  return Object.fromEntries(plan.tasks.map((task) => [task.id, task.needs]));
}

describe('Kiro tasks.md', () => {
  it('maps numbers to ids and document order to needs, parents needing their subtasks', async () => {
    const result = await loadPlanFile(fixture('kiro-tasks.md'));
    expect(result.format).toBe('kiro');
    expect(result.problems).toEqual([]);
    const plan = result.plan!;
    expect(plan.title).toBe('Implementation Plan');
    expect(needsOf(plan)).toEqual({
      'task-1': [],
      'task-2-1': ['task-1'],
      'task-2-2': ['task-2-1'],
      'task-2-3': ['task-2-2'],
      'task-2': ['task-2-1', 'task-2-2', 'task-2-3'],
      'task-3-1': ['task-2'],
      'task-3-2': ['task-3-1'],
      'task-3': ['task-3-1', 'task-3-2'],
      'task-4': ['task-3'],
    });
    expect(plan.tasks.every((task) => task.phase === 'execute')).toBe(true);
  });

  it('turns the indented details into the prompt and code-span paths into files', async () => {
    const plan = (await loadPlanFile(fixture('kiro-tasks.md'))).plan!;
    const byId = new Map(plan.tasks.map((task) => [task.id, task]));
    expect(byId.get('task-2-1')).toMatchObject({
      title: 'Create core data model interfaces and types',
      prompt: [
        'Create core data model interfaces and types',
        '',
        '- Write TypeScript interfaces for all data models in `src/models/`',
        '- Implement validation functions for data integrity',
        '- Requirements: 2.1, 3.3, 1.2',
      ].join('\n'),
      files: ['src/models/**'],
    });
    expect(byId.get('task-1')!.files).toEqual(['src/types.ts']);
    expect(byId.get('task-2-3')!.title).toBe('Write property tests for the models (optional)');
    expect(byId.get('task-2')!.prompt).toContain('Subtasks 2.1, 2.2, 2.3 run first');
    // Nested (indented) subtasks keep their own details.
    expect(byId.get('task-3-2')!.prompt).toContain('Requirements: 4.3');
    expect(byId.get('task-3-2')!.files).toEqual(['src/repositories/base.ts']);
  });

  it('takes the spec folder name as title when the heading is generic', async () => {
    const root = tempDir();
    writeFiles(root, { '.kiro/specs/user-auth/tasks.md': readFileSync(fixture('kiro-tasks.md'), 'utf8') });
    const result = await loadPlanFile(join(root, '.kiro/specs/user-auth/tasks.md'));
    expect(result.plan).toMatchObject({ title: 'user-auth', id: 'user-auth' });
  });

  it('numbers unnumbered items in order and reports a file without tasks', async () => {
    const result = await loadText('# Chores\n\n- [ ] First\n  - [ ] Inner\n- [ ] Second\n', 'tasks.md');
    expect(needsOf(result.plan!)).toEqual({ 'task-1-1': [], 'task-1': ['task-1-1'], 'task-2': ['task-1'] });
    const empty = await loadText('# Nothing here\n\nJust prose.\n', 'tasks.md');
    expect(empty.problems.map((p) => p.code)).toEqual(['MILESTONE_PLAN_IMPORT']);
    expect(empty.problems[0]!.message).toContain('no Kiro tasks found');
  });

  it('a duplicate number is located at its line', async () => {
    const result = await loadText('# Dup\n\n- [ ] 1. One\n- [ ] 2. Two\n- [ ] 2. Two again\n', 'tasks.md');
    const problem = onlyProblem(result);
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_DUPLICATE_ID',
      location: { file: result.file, line: 5 },
    });
  });
});

describe('spec-kit tasks.md', () => {
  it('maps T-numbers, [P] runs, headings and explicit "depends on" to needs', async () => {
    const result = await loadPlanFile(fixture('spec-kit-tasks.md'));
    expect(result.format).toBe('spec-kit');
    expect(result.problems).toEqual([]);
    const plan = result.plan!;
    expect(plan).toMatchObject({ title: 'Photo Albums', id: 'photo-albums' });
    expect(needsOf(plan)).toEqual({
      t001: [],
      t002: ['t001'],
      t003: ['t002'],
      t004: ['t002'],
      t005: ['t003', 't004'],
      t006: ['t005'],
      t007: ['t006'],
      t008: ['t006'],
      t009: ['t007', 't008'],
      t010: ['t009', 't006'],
      t011: ['t010'],
      t012: ['t011'],
      t013: ['t012'],
    });
  });

  it('maps setup and foundational sections to the task phase, the rest to execute', async () => {
    const plan = (await loadPlanFile(fixture('spec-kit-tasks.md'))).plan!;
    const phases = Object.fromEntries(plan.tasks.map((task) => [task.id, task.phase]));
    expect(['t001', 't002', 't003', 't004', 't005', 't006'].map((id) => phases[id])).toEqual(
      Array(6).fill('task'),
    );
    expect(['t007', 't010', 't013'].map((id) => phases[id])).toEqual(Array(3).fill('execute'));
  });

  it('puts paths from the description in files and keeps the story label in the title', async () => {
    const plan = (await loadPlanFile(fixture('spec-kit-tasks.md'))).plan!;
    const byId = new Map(plan.tasks.map((task) => [task.id, task]));
    expect(byId.get('t002')!.files).toEqual(['pyproject.toml']);
    expect(byId.get('t004')!.files).toEqual([]);
    expect(byId.get('t005')!.files).toEqual(['backend/migrations/**']);
    expect(byId.get('t007')).toMatchObject({
      title: '[US1] Contract test for POST /albums in tests/contract/test_albums_post.py',
      files: ['tests/contract/test_albums_post.py'],
    });
    expect(byId.get('t007')!.prompt).toContain('user story US1');
    expect(byId.get('t012')!.files).toEqual(['docs/**']);
    // The example inside the code fence is not a task.
    expect(byId.has('t999')).toBe(false);
  });

  it('an unknown "depends on" is reported at the task line', async () => {
    const text =
      '# Tasks: X\n\n## Phase 1: Build\n\n- [ ] T001 Do a thing\n- [ ] T002 Do another (depends on T009)\n';
    const result = await loadText(text, 'tasks.md');
    const problem = onlyProblem(result);
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_UNKNOWN_DEP',
      message: 'task "t002" needs "t009", which is not a task in this plan',
      location: { file: result.file, line: 6 },
    });
  });
});

describe('Task Master tasks.json', () => {
  it('maps tasks and subtasks to ids and needs (tagged format)', async () => {
    const result = await loadPlanFile(fixture('taskmaster-tasks.json'));
    expect(result.format).toBe('taskmaster');
    expect(result.problems).toEqual([]);
    const plan = result.plan!;
    expect(plan.title).toBe('Task Master tasks (master)');
    expect(needsOf(plan)).toEqual({
      'task-1': [],
      'task-2-1': ['task-1'],
      'task-2-2': ['task-2-1'],
      'task-2': ['task-1', 'task-2-1', 'task-2-2'],
      'task-3': ['task-2', 'task-2-2'],
    });
    expect(plan.tasks.every((task) => task.phase === 'execute')).toBe(true);
  });

  it('builds the prompt from description, details and test strategy', async () => {
    const plan = (await loadPlanFile(fixture('taskmaster-tasks.json'))).plan!;
    const byId = new Map(plan.tasks.map((task) => [task.id, task]));
    expect(byId.get('task-1')).toMatchObject({
      title: 'Initialize Project',
      prompt: [
        'Set up the project structure and dependencies',
        'Create the directory structure and `package.json`, install dependencies.',
        'Test strategy: Verify all directories and files are created correctly',
      ].join('\n\n'),
      files: ['package.json'],
    });
    expect(byId.get('task-1')).not.toHaveProperty('verify');
    expect(byId.get('task-2-1')!.files).toEqual(['src/auth/index.ts', 'src/auth/session.ts']);
    expect(byId.get('task-2')!.prompt).toContain('Its subtasks (task-2-1, task-2-2) run first');
  });

  it('reads the legacy format and its project name', async () => {
    const result = await loadPlanFile(fixture('taskmaster-legacy.json'));
    expect(result.plan).toMatchObject({ title: 'Test Project', id: 'test-project' });
    expect(needsOf(result.plan!)).toEqual({ 'task-1': [], 'task-2': ['task-1'] });
  });

  it('an unknown dependency is located at the task in the JSON', async () => {
    const text = JSON.stringify(
      { tasks: [{ id: 1, title: 'One', description: 'x', dependencies: [9] }] },
      null,
      2,
    );
    const result = await loadText(text, 'tasks.json');
    const problem = onlyProblem(result);
    expect(problem).toMatchObject({
      code: 'MILESTONE_PLAN_UNKNOWN_DEP',
      message: 'task "task-1" needs "task-9", which is not a task in this plan',
      location: { file: result.file, field: 'tasks[0]', line: 3 },
    });
  });

  it('a task without a numeric id is reported, the others still checked', async () => {
    const text = JSON.stringify(
      { tasks: [{ title: 'No id' }, { id: 2, title: 'Two', dependencies: [1] }] },
      null,
      2,
    );
    const result = await loadText(text, 'tasks.json');
    expect(result.format).toBe('taskmaster');
    expect(result.plan).toBeNull();
    expect(result.problems.map((p) => [p.code, p.location?.field, p.location?.line])).toEqual([
      ['MILESTONE_PLAN_IMPORT', 'tasks[0]', 3],
      ['MILESTONE_PLAN_UNKNOWN_DEP', 'tasks[1]', 6],
    ]);
    expect(result.problems[0]!.message).toBe('a Task Master task needs a numeric `id`');
  });

  it('a task list with no tasks is placed at the list (tagged or legacy)', async () => {
    const tagged = onlyProblem(await loadText('{"master": {"tasks": []}}', 'tasks.json'));
    expect(tagged).toMatchObject({
      code: 'MILESTONE_PLAN_EMPTY',
      location: { line: 1, column: 22, field: 'master.tasks' },
    });
    const legacy = onlyProblem(await loadText('{\n  "tasks": [],\n  "metadata": {}\n}\n', 'tasks.json'));
    expect(legacy.location).toMatchObject({ line: 2, column: 12, field: 'tasks' });
  });

  it('an empty master tag beside a tag with tasks reads that tag (work moved to a feature tag)', async () => {
    const text = JSON.stringify(
      {
        master: { tasks: [] },
        'feature-x': {
          tasks: [
            { id: 1, title: 'One' },
            { id: 2, title: 'Two', dependencies: [1] },
          ],
        },
      },
      null,
      2,
    );
    const result = await loadText(text, 'tasks.json');
    expect(result.problems).toEqual([]);
    expect(result.plan!.title).toBe('Task Master tasks (feature-x)');
    expect(result.plan!.tasks.map((t) => t.id)).toEqual(['task-1', 'task-2']);
    // With tasks in both, master is read, as before.
    const both = await loadText(
      JSON.stringify({
        'feature-x': { tasks: [{ id: 7, title: 'Seven' }] },
        master: { tasks: [{ id: 1, title: 'One' }] },
      }),
      'tasks.json',
    );
    expect(both.plan!.title).toBe('Task Master tasks (master)');
  });

  it('JSON read as Task Master that has no task list says what was expected', () => {
    const result = parsePlan('{"master": {"tasks": "none"}}', { file: 'tasks.json', format: 'taskmaster' });
    expect(result.format).toBe('taskmaster');
    const problem = onlyProblem(result);
    expect(problem.code).toBe('MILESTONE_PLAN_IMPORT');
    expect(problem.message).toContain('{ "master": { "tasks": [...] } }');
  });
});
