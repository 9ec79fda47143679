import { describe, expect, it } from 'vitest';
import { buildPlannerPrompt, MAX_PREVIOUS_ANSWER } from '../../src/planner/prompt.js';
import { readPlannerReply } from '../../src/planner/reply.js';
import type { RepoContext } from '../../src/planner/repo-context.js';
import { fileHead, summarizeFiles } from '../../src/planner/repo-context.js';

const overrides = { title: 'Add login', id: 'add-login', taskAgent: 'claude' };
const task = { id: 'impl', title: 'Implement', prompt: 'Do it.', verify: 'npm test' };

describe('readPlannerReply', () => {
  it('validates like a plan file, with the command line title and id, version filled in, base dropped', () => {
    const answer = JSON.stringify({
      milestone: 'Something else',
      id: 'other',
      base: 'develop',
      tasks: [task],
      deliverables: { 'design/architecture.md': '# A' },
    });
    const reply = readPlannerReply(answer, { ...overrides, description: 'From the flag' });
    expect(reply.problems).toEqual([]);
    expect(reply.plan).toMatchObject({
      version: 1,
      id: 'add-login',
      title: 'Add login',
      description: 'From the flag',
      defaults: { agent: 'claude' },
      tasks: [{ id: 'impl', phase: 'execute', verify: 'npm test' }],
    });
    expect(reply.plan?.base).toBeUndefined();
    expect(reply.deliverables).toEqual([{ path: 'design/architecture.md', content: '# A' }]);
  });

  it('keeps an agent the answer names for its tasks', () => {
    const answer = JSON.stringify({ version: 1, defaults: { agent: 'codex' }, tasks: [task] });
    expect(readPlannerReply(answer, overrides).plan?.defaults.agent).toBe('codex');
  });

  it('lists every problem by field, not by a line of text the agent never saw', () => {
    const answer = JSON.stringify({
      version: 1,
      owner: 'me',
      tasks: [
        { ...task, id: 'a', needs: ['b'] },
        { ...task, id: 'b', needs: ['a'] },
        { ...task, id: 'a' },
        { id: 'c', title: 'C', phase: 'later' },
      ],
      deliverables: { 'design/../../etc/x.md': '#' },
    });
    const reply = readPlannerReply(answer, overrides);
    expect(reply.plan).toBeNull();
    expect(reply.deliverables).toEqual([]);
    expect(reply.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^owner: unknown key `owner` in the plan/),
        'tasks[2].id: task id "a" is used twice: tasks[0] and tasks[2]',
        'tasks[0].needs[0]: dependency cycle: a -> b -> a',
        expect.stringMatching(/^tasks\[3\]\.phase: phase "later" is not one of/),
        expect.stringMatching(/^tasks\[3\]: task "c" has neither `prompt`/),
        'deliverables["design/../../etc/x.md"]: must not contain ..',
      ]),
    );
  });

  it('refuses a plan without tasks, and an answer without JSON', () => {
    expect(readPlannerReply('{"version": 1, "tasks": []}', overrides).problems).toEqual([
      expect.stringMatching(/^tasks: the plan has no tasks/),
    ]);
    expect(readPlannerReply('Sorry.', overrides).problems).toEqual([
      'no JSON document found in the answer; reply with exactly one JSON object',
    ]);
  });
});

const context: RepoContext = {
  ...summarizeFiles([
    'README.md',
    'package.json',
    'src/a/x.ts',
    'src/a/y.ts',
    'src/b/z.ts',
    'src/main.ts',
    'test/t.ts',
  ]),
  keyFiles: [{ path: 'package.json', head: '{ "name": "app" }' }],
};

describe('the repository view and the planner prompt', () => {
  it('summarises folders by size with their main subfolders', () => {
    expect(context).toMatchObject({
      fileCount: 7,
      folders: [
        { path: 'src', files: 4, subfolders: ['a', 'b'] },
        { path: 'test', files: 1, subfolders: [] },
      ],
      rootFiles: ['README.md', 'package.json'],
    });
    expect(fileHead(Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')).split('\n')).toHaveLength(
      40,
    );
  });

  it('gives the milestone, the repository, the schema, the rules and the reply format', () => {
    const prompt = buildPlannerPrompt({
      title: 'Add login',
      id: 'add-login',
      description: 'OAuth too',
      context,
    });
    for (const part of [
      'Milestone: Add login',
      'Milestone id: add-login',
      'Description: OAuth too',
      'Repository: 7 tracked files.',
      '- src/ (4): a, b',
      '--- package.json (first lines) ---\n{ "name": "app" }',
      'design: architecture',
      'Every execute task has a `verify` command',
      '`needs` lists the ids',
      '`files` lists glob patterns',
      '`estimate` is a duration',
      'Reply with exactly one JSON document',
      '"deliverables": {',
      'under .milestones/add-login/',
    ]) {
      expect(prompt).toContain(part);
    }
    expect(prompt).not.toContain('previous answer');
  });

  it('on a retry, shows the problems and the previous answer (cut when long)', () => {
    const long = `{"tasks": [${'"x",'.repeat(MAX_PREVIOUS_ANSWER)}]}`;
    const prompt = buildPlannerPrompt({
      title: 'Add login',
      id: 'add-login',
      context,
      previous: { answer: long, problems: ['tasks[0].needs[0]: dependency cycle: a -> b -> a'] },
    });
    expect(prompt).toContain(
      'Your previous answer had these problems:\n- tasks[0].needs[0]: dependency cycle: a -> b -> a',
    );
    expect(prompt).toContain('Your previous answer was:\n{"tasks": ["x",');
    expect(prompt).toContain('… (cut)');
    expect(prompt.length).toBeLessThan(MAX_PREVIOUS_ANSWER + 8000);
    expect(prompt).toMatch(/Reply with the corrected JSON document.*$/);
  });
});
