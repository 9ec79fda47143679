import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

// A person comes back to a paused milestone (after Ctrl-C, `execute --phase`, or a phase that
// needs approval) and asks `status` what now: it says, and what it says, typed as shown, works.

const PLAN = {
  version: 1,
  milestone: 'Paused',
  id: 'paused',
  defaults: { agent: 'shell' },
  tasks: [
    { id: 'notes', title: 'Notes', phase: 'design', run: 'echo notes > notes.md', files: ['notes.md'] },
    { id: 'code', title: 'Code', needs: ['notes'], run: 'echo code > code.txt', files: ['code.txt'] },
  ],
};

/** The `next:` line of `status`, and the commands in it (split on `, then`). */
async function nextCommands(repo: Awaited<ReturnType<typeof milestoneRepo>>): Promise<string[][]> {
  const status = await repo.run(['status', 'paused']);
  expect(status.code, status.stderr).toBe(0);
  expect(status.stdout).toContain('status paused');
  const next = status.stdout.split('\n').find((line) => line.startsWith('next: '));
  expect(next, status.stdout).toBeDefined();
  return next!
    .slice('next: '.length)
    .split(', then ')
    .map((command) => command.replace(/^run `|` to resume$/g, '').split(' '));
}

describe('status of a paused milestone', () => {
  it('after execute --phase: says how to resume, and that command completes it', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(PLAN)).code).toBe(0);
    expect((await repo.run(['execute', 'paused', '--phase', 'design'])).code).toBe(0);
    const commands = await nextCommands(repo);
    expect(commands).toEqual([['milestone', 'execute', 'paused']]);
    const resumed = await repo.run(commands[0]!.slice(1));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await git(repo.root, 'show', 'milestone/paused:code.txt')).toBe('code');
  });

  it('at a phase that needs approval: names the review, then the execute, which complete it', async () => {
    const repo = await milestoneRepo();
    expect((await repo.run(['init'])).code).toBe(0);
    const config = join(repo.root, '.milestones', 'config.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(/^phases: \{\}/m, 'phases: { design: { approval: required } }'),
    );
    expect((await repo.plan(PLAN)).code).toBe(0);
    expect((await repo.run(['execute', 'paused'])).code).toBe(0);
    const commands = await nextCommands(repo);
    expect(commands).toEqual([
      ['milestone', 'review', 'paused', '--phase', 'design', '--approve'],
      ['milestone', 'execute', 'paused'],
    ]);
    for (const command of commands) {
      const ran = await repo.run(command.slice(1));
      expect(ran.code, ran.stderr).toBe(0);
    }
    expect((await repo.status('paused')).status).toBe('completed');
  });
});
