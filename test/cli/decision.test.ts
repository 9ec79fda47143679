import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathWithoutGh } from '../helpers/async-cli.js';
import { milestone, writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

const independent = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `t${i}`,
    title: `Task ${i}`,
    run: `echo ${i} > f${i}.txt`,
  }));

async function dryRun(tasks: object[], config?: string, extra: string[] = []) {
  const repo = await milestoneRepo(config ? { '.milestones/config.yaml': config } : {});
  expect((await repo.plan({ version: 1, milestone: 'Decide', id: 'decide', tasks })).code).toBe(0);
  return await repo.run(['execute', 'decide', '--dry-run', '--concurrency', '4', ...extra]);
}

describe('mode decision (execute --dry-run prints it and changes nothing)', () => {
  it('high complexity and a high parallel score: agents, with the reason in one line', async () => {
    const result = await dryRun(independent(21));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'mode agents: high complexity (21 tasks > 20), parallel score 0.95, 1 of 1 agent available, concurrency 4',
    );
  });

  it('medium complexity: hybrid; low: direct; a chain: direct', async () => {
    expect((await dryRun(independent(12))).stdout).toContain(
      'mode hybrid: medium complexity (12 tasks > 10)',
    );
    expect((await dryRun(independent(3))).stdout).toContain('mode direct: low complexity');
    const chain = independent(21).map((t, i) => ({ ...t, ...(i > 0 && { needs: [`t${i - 1}`] }) }));
    expect((await dryRun(chain)).stdout).toMatch(/mode direct: parallel score 0\.00 <= 0\.6/);
  });

  it('observe runs direct and records what it would have done; opt-in waits for --mode agents', async () => {
    expect((await dryRun(independent(21), 'adoption: observe\n')).stdout).toMatch(
      /mode direct: adoption observe; the decision would have been agents/,
    );
    expect((await dryRun(independent(21), 'adoption: opt-in\n')).stdout).toMatch(
      /mode direct: adoption opt-in/,
    );
    expect((await dryRun(independent(21), 'adoption: opt-in\n', ['--mode', 'agents'])).stdout).toContain(
      'mode agents: requested with --mode',
    );
    expect((await dryRun(independent(21), 'adoption: auto\n')).stdout).toContain(
      'no measured history yet, deciding as default-complex',
    );
  });

  it('records the decision and the planning-to-execution transition with the run', async () => {
    const repo = await milestoneRepo({ '.milestones/config.yaml': 'adoption: observe\n' });
    await repo.plan({ version: 1, milestone: 'Small', id: 'small', tasks: independent(2) });
    const run = await repo.run(['execute', 'small']);
    expect(run.code, run.stderr).toBe(0);
    const status = (await repo.status('small')) as unknown as Record<string, unknown>;
    expect(status).toMatchObject({ mode: 'direct', adoption: 'observe', wouldHave: 'direct' });
    expect(status.transitionedAt).toEqual(expect.any(String));
    expect(String(status.modeReason)).toContain('adoption observe');
  });
});

describe('planning-to-execution transition', () => {
  it('refuses with the list of what is missing, and runs once the analyses are redone', async () => {
    const repo = await milestoneRepo();
    await repo.plan({ version: 1, milestone: 'Gap', id: 'gap', tasks: independent(2) });
    rmSync(join(repo.root, '.milestones/gap/planning/risks.json'));
    writeFiles(repo.root, { '.milestones/gap/planning/scope.json': '{ not json' });
    const refused = await repo.run(['execute', 'gap']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('execute gap cannot start');
    expect(refused.stderr).toContain('fix: re-run the planning analyses: milestone plan --id gap');
    expect(refused.stderr).toContain('risks.json');
    expect(refused.stderr).toContain('scope.json');
    expect((await repo.status('gap')).status).toBe('planned');

    expect((await repo.run(['plan', '--id', 'gap'])).code).toBe(0);
    expect((await repo.run(['execute', 'gap'])).code).toBe(0);
  });

  it('refuses tasks no available agent can run', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Agents',
      id: 'agents',
      tasks: [
        { id: 'talk', title: 'Needs a coding agent', prompt: 'write the code' },
        { id: 'ghost', title: 'Unknown agent', run: 'true', agent: 'nobody' },
      ],
    });
    const refused = await repo.run(['execute', 'agents']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('task talk has no `run` command for the shell agent');
    expect(refused.stderr).toContain('task ghost: agent "nobody" is not configured');
  });
});

describe('review gates', () => {
  it('pauses after a gated phase, keeps it blocked on a change request, continues after approval', async () => {
    const repo = await milestoneRepo({
      '.milestones/config.yaml': 'phases: { design: { approval: required } }\n',
    });
    await repo.plan({
      version: 1,
      milestone: 'Gated',
      id: 'gated',
      tasks: [
        { id: 'design-doc', title: 'Design', phase: 'design', run: 'echo d > design.md' },
        { id: 'build', title: 'Build', run: 'echo b > build.txt' },
      ],
    });
    expect((await repo.run(['review', 'gated', '--phase', 'design', '--approve'])).code).toBe(2);

    const first = await repo.run(['execute', 'gated']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('milestone review gated --phase design --approve');
    let status = (await repo.status('gated')) as unknown as {
      status: string;
      gates: Record<string, string>;
      tasks: Array<{ id: string; status: string }>;
    };
    expect(status.status).toBe('paused');
    expect(status.gates.design).toBe('in_review');
    expect(status.tasks.find((t) => t.id === 'build')?.status).toBe('pending');

    expect((await repo.run(['review', 'gated', '--phase', 'design', '--request-changes'])).code).toBe(2);
    expect(
      (
        await repo.run([
          'review',
          'gated',
          '--phase',
          'design',
          '--request-changes',
          '--comment',
          'name the tables',
        ])
      ).code,
    ).toBe(0);
    const blocked = await repo.run(['execute', 'gated']);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('name the tables');

    expect(
      (await repo.run(['review', 'gated', '--phase', 'design', '--approve', '--comment', 'good now'])).code,
    ).toBe(0);
    const done = await repo.run(['execute', 'gated']);
    expect(done.code, done.stderr).toBe(0);
    status = (await repo.status('gated')) as never;
    expect(status.status).toBe('completed');
    expect(status.gates.design).toBe('approved');

    const shown = (await repo.run(['show', 'gated'])).stdout;
    expect(shown).toMatch(/design\s+changes_requested: name the tables/);
    expect(shown).toMatch(/design\s+approved: good now/);
  });
});

describe('a review of a phase without a gate', () => {
  it('is recorded, says nothing is blocked, and the next execute runs the next phase', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Ungated',
      id: 'ungated',
      tasks: [
        { id: 'design-doc', title: 'Design', phase: 'design', run: 'echo d > design.md' },
        { id: 'build', title: 'Build', run: 'echo b > build.txt' },
      ],
    });
    expect((await repo.run(['execute', 'ungated', '--phase', 'design'])).code).toBe(0);
    const rejected = await repo.run([
      'review',
      'ungated',
      '--phase',
      'design',
      '--reject',
      '--comment',
      'why',
    ]);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toContain('(this phase has no approval gate; recorded for the history)');
    expect(rejected.stdout).toContain('nothing is blocked');
    expect(rejected.stdout).not.toContain('stays blocked');
    // What the message says is what happens: the execute phase runs.
    const done = await repo.run(['execute', 'ungated']);
    expect(done.code, done.stderr).toBe(0);
    expect(((await repo.status('ungated')) as unknown as { status: string }).status).toBe('completed');
    expect((await repo.run(['show', 'ungated'])).stdout).toMatch(/design\s+rejected: why/);
  });
});

describe('agents', () => {
  it('lists every adapter with its availability and the machine concurrency', async () => {
    const repo = await milestoneRepo({
      '.milestones/config.yaml': 'agents: { codex: { disabled: true } }\n',
    });
    // A PATH with only git and sh: claude is missing on every machine, so one outcome is asserted.
    const result = await milestone(repo.root, ['agents', '--json'], {
      ...repo.env,
      PATH: await pathWithoutGh(),
    });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    const byName = Object.fromEntries(report.agents.map((a: { name: string }) => [a.name, a]));
    expect(byName.shell).toMatchObject({ available: true });
    expect(byName.codex).toMatchObject({ available: false, reason: 'disabled in config' });
    expect(byName.claude).toMatchObject({ available: false, reason: expect.stringMatching(/not found/) });
    expect(report.machine).toMatchObject({
      cpus: expect.any(Number),
      memoryPerAgentBytes: 1024 ** 3,
      configuredMax: null,
    });
    expect(report.machine.concurrency.concurrency).toBeGreaterThanOrEqual(1);
  });
});
