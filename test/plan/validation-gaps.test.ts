import { describe, expect, it } from 'vitest';
import { milestoneRepo } from '../helpers/milestone-repo.js';
import { loadText, onlyProblem, yamlPlan } from './plan-file.js';

describe('validation gaps (item 9)', () => {
  it('refuses a plan without tasks, whether `tasks: []` or none', async () => {
    for (const text of ['version: 1\nmilestone: Empty\ntasks: []\n', 'version: 1\nmilestone: Empty\n']) {
      const problem = onlyProblem(await loadText(text));
      expect(problem.code).toBe('MILESTONE_PLAN_EMPTY');
      expect(problem.message).toMatch(/^the plan has no tasks/);
    }
  });

  it('refuses a timeout longer than a timer can wait, naming the limit', async () => {
    const problem = onlyProblem(await loadText(yamlPlan('  - { id: a, title: A, run: x, timeout: 15w }\n')));
    expect(problem.code).toBe('MILESTONE_PLAN_DURATION');
    expect(problem.location).toMatchObject({ line: 4, field: 'tasks[0].timeout' });
    expect(problem.message).toBe('timeout "15w" is 600h, longer than a timer can wait (at most 596h 31m)');
    const fine = await loadText(yamlPlan('  - { id: a, title: A, run: x, timeout: 2d }\n'));
    expect(fine.problems).toEqual([]);
  });

  it('refuses blank, multi-line and over-long titles (they become commit subjects)', async () => {
    const blank = onlyProblem(await loadText(yamlPlan('  - { id: a, title: "   ", run: x }\n')));
    expect(blank).toMatchObject({ code: 'MILESTONE_PLAN_TITLE', message: 'the title of task "a" is blank' });
    const long = onlyProblem(
      await loadText(
        yamlPlan('  - { id: a, title: A, run: x }\n', `version: 1\nmilestone: ${'x'.repeat(140)}\n`),
      ),
    );
    expect(long.code).toBe('MILESTONE_PLAN_TITLE');
    expect(long.message).toContain('is 140 characters long; at most 100');
    const spaces = onlyProblem(
      await loadText(yamlPlan('  - { id: a, title: A, run: x }\n', 'version: 1\nmilestone: "  "\n')),
    );
    expect(spaces.message).toBe('the milestone title is blank');
  });

  it('refuses files globs that are absolute or leave the repository, and duplicate needs', async () => {
    const result = await loadText(
      yamlPlan(
        '  - { id: a, title: A, run: x }\n' +
          '  - { id: b, title: B, run: x, needs: [a, a], files: ["/etc/passwd", "../up/**", "src/../../z", "src/ok/**", "C:\\\\x"] }\n',
      ),
    );
    expect(result.plan).toBeNull();
    expect(result.problems.map((p) => `${p.location?.field}: ${p.code}`)).toEqual([
      'tasks[1].needs[1]: MILESTONE_PLAN_DUPLICATE_NEED',
      'tasks[1].files[0]: MILESTONE_PLAN_FILES_OUTSIDE',
      'tasks[1].files[1]: MILESTONE_PLAN_FILES_OUTSIDE',
      'tasks[1].files[2]: MILESTONE_PLAN_FILES_OUTSIDE',
      'tasks[1].files[4]: MILESTONE_PLAN_FILES_OUTSIDE',
    ]);
    expect(result.problems[0]!.message).toBe('task "b" needs "a" twice; name it once');
  });

  it('the Task Master importer reports fields of the wrong type instead of dropping them', async () => {
    const text = JSON.stringify(
      {
        tasks: [
          { id: 1, title: 'One', description: 'first' },
          { id: 2, title: 'Two', description: 'second', dependencies: '1' },
          { id: 3, title: 'Three', description: 7, dependencies: [1, true] },
        ],
      },
      null,
      2,
    );
    const result = await loadText(text, 'tasks.json');
    expect(result.plan).toBeNull();
    expect(result.problems.map((p) => [p.location?.field, p.message])).toEqual([
      ['tasks[1].dependencies', '`dependencies` must be a list of task ids, got the text "1" (write [1])'],
      ['tasks[2].description', '`description` must be text, got number 7'],
      ['tasks[2].dependencies[1]', 'a dependency must be a task id (a number or "7.2"), got boolean true'],
    ]);
    expect(result.problems.every((p) => p.location?.line !== undefined)).toBe(true);
  });

  it('supports YAML merge keys, with anchors kept under an `x-` key', async () => {
    const result = await loadText(
      'version: 1\nmilestone: Merge\nx-shell: &shell { run: "npm test", phase: spec, estimate: 1h }\ntasks:\n' +
        '  - { <<: *shell, id: a, title: A }\n  - <<: *shell\n    id: b\n    title: B\n    run: "npm run lint"\n',
    );
    expect(result.problems).toEqual([]);
    expect(result.plan!.tasks.map((t) => [t.id, t.phase, t.run])).toEqual([
      ['a', 'spec', 'npm test'],
      ['b', 'spec', 'npm run lint'],
    ]);
  });

  it('config errors name file:line and the value found, like plan errors', async () => {
    const repo = await milestoneRepo({
      '.milestones/config.yaml': 'version: 1\nconcurrency: many\nworktree:\n  dir: x\nadoption: sometimes\n',
    });
    const result = await repo.run(['list']);
    expect(result.code).toBe(2);
    const config = `${repo.root}/.milestones/config.yaml`;
    expect(result.stderr).toContain(
      `${config}:2:14 (concurrency): concurrency must be a number, got the text "many"`,
    );
    expect(result.stderr).toContain(
      `${config}:3:1 (worktree): unknown key \`worktree\` in the config; did you mean \`worktrees\`?`,
    );
    expect(result.stderr).toContain(
      `${config}:5:11 (adoption): adoption must be one of "observe", "opt-in", "default-complex", "auto", got the text "sometimes"`,
    );
  });
});
