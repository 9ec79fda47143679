import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/types.js';
import { formatProblem } from '../../src/errors.js';
import { gitRepo, milestone, writeFiles } from '../helpers/git-repo.js';
import { loadText } from './plan-file.js';

// Kiro and spec-kit task lists as a person types them: a BOM and CRLF from an editor on Windows,
// tabs, unicode, long lines, and the slips of hand-written Markdown. Each line that reads as a
// task is imported, or the file is refused naming the line: never a task dropped without a word.

const BOM = '\uFEFF';
const crlf = (lines: string[]) => `${BOM}${lines.join('\r\n')}\r\n`;

function tasksOf(plan: Plan | null): Array<[string, string, string[]]> {
  expect(plan).not.toBeNull();
  return plan!.tasks.map((task) => [task.id, task.title, task.needs]);
}

describe('a hand-written Kiro tasks.md', () => {
  it('with a BOM, CRLF, tabs, unicode and a very long line imports every item', async () => {
    const long = `Write the ${'very '.repeat(60)}long part`;
    const result = await loadText(
      crlf([
        '# Ünïcödé plan 🚀',
        '',
        '- [ ] 1. Set up the project   ',
        '\t- Define interfaces in `src/types.ts`',
        '- [ ] 2. 模型 models',
        '\t- [ ] 2.1 Create model interfaces',
        `\t- [x] 2.2 ${long}`,
        '- [ ]* 3. Optional check',
      ]),
      'tasks.md',
    );
    expect(result.problems).toEqual([]);
    expect(result.plan!.title).toBe('Ünïcödé plan 🚀');
    expect(tasksOf(result.plan)).toEqual([
      ['task-1', 'Set up the project', []],
      ['task-2-1', 'Create model interfaces', ['task-1']],
      ['task-2-2', expect.stringMatching(/^Write the very .*…$/), ['task-2-1']],
      ['task-2', '模型 models', ['task-2-1', 'task-2-2']],
      ['task-3', 'Optional check (optional)', ['task-2']],
    ]);
    expect(result.plan!.tasks[0]!.files).toEqual(['src/types.ts']);
    expect(result.plan!.tasks[2]!.prompt).toContain(long);
  });

  it.each([
    ['- [] 2. Empty box', 'an empty box'],
    ['- [ ]2. No space after the box', 'no space after the box'],
    ['1. [ ] An ordered list item', 'an ordered list'],
    ['- [ ]', 'a box with no title'],
  ])('refuses `%s` (%s) naming its line, CRLF or not', async (slip) => {
    for (const eol of ['\n', '\r\n']) {
      const text = ['# Plan', '', '- [ ] 1. First', slip, '- [ ] 3. Third', ''].join(eol);
      const result = await loadText(text, 'tasks.md');
      expect(result.plan).toBeNull();
      expect(result.problems).toHaveLength(1);
      const problem = result.problems[0]!;
      expect(problem.code).toBe('MILESTONE_PLAN_IMPORT');
      expect(formatProblem(problem)).toMatch(
        new RegExp(`^${result.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: .*looks like a task`),
      );
      expect(problem.message).toContain('- [ ] 1. Title');
    }
  });

  it('leaves a list item that is a link, not a box, in the prompt', async () => {
    const result = await loadText(
      '# Plan\n- [ ] 1. First\n  - [](https://example.com) see there\n',
      'tasks.md',
    );
    expect(result.problems).toEqual([]);
    expect(result.plan!.tasks[0]!.prompt).toContain('[](https://example.com)');
  });
});

describe('a hand-written spec-kit tasks.md', () => {
  it('imports task numbers written in lowercase and `+` bullets, with their `depends on`', async () => {
    const result = await loadText(
      crlf([
        '# Tasks: Albums',
        '## Phase 1: Setup',
        '- [ ] T001 Create the project structure',
        '- [ ] t002 [P] Configure linting in ruff.toml',
        '+ [ ] T003 [P] Create base models in src/models/base.py',
        '## Phase 3: User Story 1',
        '- [ ] T004 [US1] Implement the service (depends on t002)',
      ]),
      'tasks.md',
    );
    expect(result.format).toBe('spec-kit');
    expect(result.problems).toEqual([]);
    expect(result.plan!.tasks.map((task) => [task.id, task.needs])).toEqual([
      ['t001', []],
      ['t002', ['t001']],
      ['t003', ['t001']],
      ['t004', ['t002', 't003']],
    ]);
  });

  it('is told from Kiro by a lowercase task number too', async () => {
    const result = await loadText('# Tasks: X\n- [ ] t001 Only task\n', 'tasks.md');
    expect(result.format).toBe('spec-kit');
    expect(tasksOf(result.plan)).toEqual([['t001', 'Only task', []]]);
  });

  it('refuses a numbered task with a slip in its box, naming the line; a checklist item is no task', async () => {
    const text = [
      '# Tasks: X',
      '- [ ] T001 First',
      '- [] T002 Second',
      '',
      '## Validation Checklist',
      '- [ ] All contracts have tests',
      '- [] All entities have models',
    ].join('\n');
    const result = await loadText(text, 'tasks.md');
    expect(result.plan).toBeNull();
    expect(result.problems.map((p) => [p.location?.line, p.code])).toEqual([[3, 'MILESTONE_PLAN_IMPORT']]);
    expect(result.problems[0]!.message).toContain('- [ ] T001 Description');
  });
});

describe('milestone plan --from a hand-written Markdown file with a slip', () => {
  it('exits 2 with one message naming file:line, and stores nothing', async () => {
    const root = await gitRepo();
    writeFiles(root, {
      'my tasks.md': '# Plan\r\n\r\n- [ ] 1. First\r\n- [] 2. Second\r\n- [ ] 3. Third\r\n',
    });
    const refused = await milestone(root, ['plan', '--from', 'my tasks.md']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('my tasks.md:4: `- [] 2. Second` looks like a task');
    expect(refused.stderr.match(/looks like a task/g)).toHaveLength(1);
    expect(existsSync(join(root, '.milestones', 'plan'))).toBe(false);
    expect((await milestone(root, ['list', '--json'])).stdout.trim()).toBe('[]');
  });
});

describe('a Markdown task list without a title', () => {
  it.each([
    ['Kiro', '- [ ] 1. Do a thing\n'],
    ['spec-kit', '- [ ] T001 Do a thing\n'],
  ])('%s: says where a Markdown file writes its title, not `milestone:`', async (_kind, text) => {
    const result = await loadText(text, 'tasks.md');
    expect(result.problems.map(formatProblem)).toEqual([
      `${result.file}: the milestone title is required: add a \`# Title\` heading to the file or give a title`,
    ]);
  });

  it('a milestone plan without one still names `milestone:`', async () => {
    const result = await loadText('version: 1\ntasks:\n  - { id: a, title: A, run: "true" }\n');
    expect(result.problems.map(formatProblem).join('\n')).toContain(
      'the milestone title is required: set `milestone:` in the plan or give a title',
    );
  });
});
