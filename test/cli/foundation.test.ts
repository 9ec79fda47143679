import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, milestone, tempDir, writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

const PLAN = {
  version: 1,
  milestone: 'Add login feature',
  id: 'add-login',
  tasks: [
    { id: 'api-schema', title: 'Define the API', phase: 'design', run: 'echo api > api.md', estimate: '2h' },
    { id: 'spec', title: 'Write the spec', phase: 'spec', run: 'echo spec > spec.md', needs: ['api-schema'] },
    { id: 'route', title: 'Implement the route', run: 'echo route > route.js', files: ['src/auth/**'] },
    {
      id: 'tests',
      title: 'Tests',
      run: 'echo t > t.js',
      needs: ['route'],
      files: ['src/auth/login.test.js'],
    },
  ],
};

describe('init', () => {
  it('refuses outside a git repository, changing nothing', async () => {
    const dir = tempDir();
    const result = await milestone(dir, ['init']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not inside a git repository');
    expect(existsSync(join(dir, '.milestones'))).toBe(false);
  });

  it('creates the config and git-ignore rules, keeps them on a second run, installs Claude files on request', async () => {
    const repo = await milestoneRepo();
    const first = await repo.run(['init']);
    expect(first.code).toBe(0);
    expect(readFileSync(join(repo.root, '.milestones/config.yaml'), 'utf8')).toContain(
      'adoption: default-complex',
    );
    expect(readFileSync(join(repo.root, '.milestones/.gitignore'), 'utf8')).toContain('.local/');
    expect((await repo.run(['init'])).stdout).toContain('kept .milestones/config.yaml');
    const claude = await repo.run(['init', '--claude']);
    expect(claude.code).toBe(0);
    expect(claude.stdout).toContain('created .claude/commands/milestone/plan.md');
    // --force rewrites what exists and says so, not "created".
    const forced = await repo.run(['init', '--force']);
    expect(forced.stdout.split('\n')).toEqual(
      expect.arrayContaining(['updated .milestones/config.yaml', 'updated .milestones/.gitignore']),
    );
    expect(forced.stdout).not.toContain('created');
    const command = readFileSync(join(repo.root, '.claude/commands/milestone/plan.md'), 'utf8');
    expect(command).toMatch(/^---\ndescription: /);
    expect(command).toContain('$ARGUMENTS');
    expect(existsSync(join(repo.root, '.claude/agents/milestone-coordinator.md'))).toBe(true);
  });

  it('rejects an invalid config with the file and field', async () => {
    const repo = await milestoneRepo({ '.milestones/config.yaml': 'adoption: sometimes\n' });
    const result = await repo.run(['list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('config.yaml');
    expect(result.stderr).toContain('adoption');
  });
});

describe('plan and validate: bad input exits 2, names the place, writes nothing', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'cycle',
      'tasks:\n  - { id: a, title: A, run: x, needs: [b] }\n  - { id: b, title: B, run: x, needs: [a] }\n',
      /a -> b -> a|b -> a -> b/,
    ],
    ['unknown dependency', 'tasks:\n  - { id: a, title: A, run: x, needs: [ghost] }\n', /ghost/],
    [
      'duplicate id',
      'tasks:\n  - { id: a, title: A, run: x }\n  - { id: a, title: A2, run: y }\n',
      /used twice|duplicate/i,
    ],
    ['bad phase', 'tasks:\n  - { id: a, title: A, run: x, phase: build }\n', /design.*spec.*task.*execute/],
    ['id with ..', 'tasks:\n  - { id: "../etc", title: A, run: x }\n', /id/],
    ['uppercase id', 'tasks:\n  - { id: Alpha, title: A, run: x }\n', /id/],
    [
      'weights',
      'weights: { design: 0.5, spec: 0.5, task: 0.5, execute: 0.5 }\ntasks:\n  - { id: a, title: A, run: x }\n',
      /sum to 1/,
    ],
    ['neither prompt nor run', 'tasks:\n  - { id: a, title: A }\n', /prompt|run/],
    ['malformed YAML', 'tasks:\n  - { id: a, title: A, run: x\n  - oops: [\n', /plan\.yaml:\d+:\d+/],
  ];
  for (const [name, body, message] of cases) {
    it(name, async () => {
      const repo = await milestoneRepo();
      writeFiles(repo.root, { 'plan.yaml': `version: 1\nmilestone: Broken\n${body}` });
      const planned = await repo.run(['plan', '--from', 'plan.yaml']);
      expect(planned.code).toBe(2);
      expect(planned.stderr).toMatch(message);
      expect(planned.stderr).toContain('plan.yaml');
      expect(existsSync(join(repo.root, '.milestones'))).toBe(false);
      const validated = await repo.run(['validate', 'plan.yaml']);
      expect(validated.code).toBe(2);
      expect(validated.stderr).toMatch(message);
    });
  }

  it('names a missing file', async () => {
    const repo = await milestoneRepo();
    const result = await repo.run(['plan', '--from', 'nowhere.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nowhere.yaml');
  });

  it('validate reports every problem, not only the first, each with its line', async () => {
    const repo = await milestoneRepo();
    writeFiles(repo.root, {
      'plan.yaml':
        'version: 1\nmilestone: Many\ntasks:\n  - { id: a, title: A }\n  - { id: b, title: B, run: x, phase: build }\n  - { id: c, title: C, run: x, needs: [zzz] }\n',
    });
    const result = await repo.run(['validate', 'plan.yaml', '--json']);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.valid).toBe(false);
    expect(report.problems.length).toBeGreaterThanOrEqual(3);
    expect(report.problems.map((p: { location: { line: number } }) => p.location.line)).toEqual(
      expect.arrayContaining([4, 5, 6]),
    );
  });

  it('validate refuses an agent the config does not define, at its line, with the advice execute gives', async () => {
    const repo = await milestoneRepo();
    writeFiles(repo.root, {
      'plan.yaml':
        'version: 1\nmilestone: Robots\nid: robots\ntasks:\n  - { id: a, title: A, run: "true" }\n  - id: b\n    title: B\n    agent: robot\n    prompt: do it\n',
    });
    const validated = await repo.run(['validate', 'plan.yaml']);
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain(
      'plan.yaml:8:12 (tasks[1].agent): task b: agent "robot" is not configured (known: shell, claude, codex, gemini)',
    );
    // The advice execute prints for the same plan, but the replan a stored plan needs.
    expect((await repo.run(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    const executed = await repo.run(['execute', 'robots']);
    expect(executed.code).toBe(2);
    const fix = /fix: (b names agent robot in the plan: .*, or change `agent:` in plan\.yaml)/.exec(
      executed.stderr,
    )![1]!;
    expect(validated.stderr).toContain(`fix: ${fix}\n`);
    // Configured, the same plan is valid; disabled, refused again with how to enable it.
    writeFiles(repo.root, {
      '.milestones/config.yaml': 'agents:\n  robot: { type: exec, command: ["node", "bot.js"] }\n',
    });
    const configured = await repo.run(['validate', 'plan.yaml']);
    expect(configured.code, configured.stderr).toBe(0);
    writeFiles(repo.root, { '.milestones/config.yaml': 'agents:\n  robot: { disabled: true }\n' });
    const disabled = await repo.run(['validate', 'plan.yaml', '--json']);
    expect(disabled.code).toBe(2);
    const report = JSON.parse(disabled.stdout);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'MILESTONE_AGENT_UNKNOWN',
        message: 'task b: agent "robot" is disabled in config',
        location: expect.objectContaining({ line: 8, field: 'tasks[1].agent' }),
      }),
    ]);
    expect(report.advice).toEqual([
      'b names agent robot in the plan: enable it in .milestones/config.yaml (agents.robot), or change `agent:` in plan.yaml',
    ]);
  });
});

describe('plan, list, show, status, visualize', () => {
  it('stores the plan, writes its record and reports status in the contract shape', async () => {
    const repo = await milestoneRepo();
    const planned = await repo.plan(PLAN);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain('critical path');
    const record = join(repo.root, '.milestones/add-login');
    expect(JSON.parse(readFileSync(join(record, 'plan.json'), 'utf8')).tasks).toHaveLength(4);
    expect(readFileSync(join(record, 'milestone.yaml'), 'utf8')).toContain('milestone: Add login feature');
    expect(statSync(join(repo.root, '.milestones/.local')).mode & 0o777).toBe(0o700);
    expect(await git(repo.root, 'status', '--porcelain')).not.toContain('.local');

    const status = await repo.status('add-login');
    expect(status).toMatchObject({
      id: 'add-login',
      status: 'planned',
      mode: null,
      progress: { overall: 0, phases: { design: 0, spec: 0, task: 0, execute: 0 } },
      git: { base: 'main', branch: 'milestone/add-login', head: null },
    });
    expect(status.tasks[0]).toMatchObject({
      id: 'api-schema',
      phase: 'design',
      status: 'pending',
      attempts: 0,
      agent: 'shell',
      needs: [],
    });

    const list = JSON.parse((await repo.run(['list', '--json'])).stdout);
    expect(list).toEqual([
      expect.objectContaining({ id: 'add-login', status: 'planned', progress: 0, tasks: 4 }),
    ]);
    const shown = JSON.parse((await repo.run(['show', 'add-login', '--json'])).stdout);
    expect(shown.analysis.criticalPath.path).toEqual(['api-schema', 'spec', 'route', 'tests']);

    expect((await repo.run(['plan', '--from', 'plan.yaml'])).code).toBe(2);
    expect((await repo.run(['status', 'nope'])).code).toBe(2);
  });

  it('draws the graph grouped by phase in three formats', async () => {
    const repo = await milestoneRepo();
    await repo.plan(PLAN);
    const mermaid = (await repo.run(['visualize', 'add-login', '--format', 'mermaid'])).stdout;
    expect(mermaid).toContain('flowchart LR');
    expect(mermaid).toContain('subgraph phase_design["design"]');
    expect(mermaid).toContain('t_route --> t_tests');
    const dot = (await repo.run(['visualize', 'add-login', '--format', 'dot'])).stdout;
    expect(dot).toContain('subgraph "cluster_execute"');
    expect(dot).toContain('"api-schema" -> "spec"');
    const ascii = (await repo.run(['visualize', 'add-login'])).stdout;
    expect(ascii).toContain('== design ==');
    expect(ascii).toContain('tests  <- route');
  });

  it('imports a Task Master tasks.json with a title from the command line', async () => {
    const repo = await milestoneRepo();
    writeFiles(repo.root, {
      'tasks.json': JSON.stringify({
        tasks: [
          { id: 1, title: 'Set up', description: 'init', details: '', testStrategy: '', dependencies: [] },
          {
            id: 2,
            title: 'Build',
            description: 'build it',
            details: 'carefully',
            testStrategy: 'run tests',
            dependencies: [1],
          },
        ],
      }),
    });
    const result = await repo.run(['plan', 'Imported work', '--from', 'tasks.json', '--id', 'imported']);
    expect(result.code, result.stderr).toBe(0);
    const status = await repo.status('imported');
    expect(status.tasks.map((t) => t.id)).toEqual(['task-1', 'task-2']);
  });
});

describe('state bridge', () => {
  it('export -> import -> export is lossless in both shapes; a change applies as events; a stale import is refused', async () => {
    const repo = await milestoneRepo();
    await repo.plan(PLAN);
    for (const format of ['command', 'agent']) {
      const exported = (await repo.run(['state', 'export', 'add-login', '--format', format])).stdout;
      writeFileSync(join(repo.root, `${format}.json`), exported);
      const imported = await repo.run(['state', 'import', `${format}.json`]);
      expect(imported.code, imported.stderr).toBe(0);
      expect((await repo.run(['state', 'export', 'add-login', '--format', format])).stdout).toBe(exported);
    }
    const command = JSON.parse(readFileSync(join(repo.root, 'command.json'), 'utf8'));
    expect(Object.keys(command)).toEqual([
      'id',
      'title',
      'created',
      'status',
      'phases',
      'progress',
      'phaseProgress',
      'branch',
      'commits',
      'version',
    ]);
    const agent = JSON.parse(readFileSync(join(repo.root, 'agent.json'), 'utf8'));
    expect(Object.keys(agent)).toEqual(['metadata', 'phases', 'progress', 'git']);
    expect(agent.progress).toEqual({ overall: 0, by_phase: { design: 0, spec: 0, task: 0, execute: 0 } });

    agent.metadata.status = 'paused';
    writeFileSync(join(repo.root, 'changed.json'), JSON.stringify(agent));
    expect((await repo.run(['state', 'import', 'changed.json'])).code).toBe(0);
    expect((await repo.status('add-login')).status).toBe('paused');

    const stale = await repo.run(['state', 'import', 'command.json']);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/version \d+ is stale/);
    expect((await repo.status('add-login')).status).toBe('paused');
  });

  it('refuses an import that claims a merge not on the milestone branch', async () => {
    const repo = await milestoneRepo();
    await repo.plan(PLAN);
    const exported = JSON.parse((await repo.run(['state', 'export', 'add-login'])).stdout);
    exported.phases.design.tasks[0] = {
      ...exported.phases.design.tasks[0],
      status: 'succeeded',
      merged: true,
      commit: await git(repo.root, 'rev-parse', 'HEAD'),
    };
    writeFileSync(join(repo.root, 'claim.json'), JSON.stringify(exported));
    const result = await repo.run(['state', 'import', 'claim.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('api-schema');
    expect((await repo.status('add-login')).tasks[0]?.status).toBe('pending');
  });
});
