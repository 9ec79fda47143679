import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { git } from '../helpers/git-repo.js';
import { exited, milestoneRepo, waitForOutput } from '../helpers/milestone-repo.js';

const SLOW = {
  version: 1,
  milestone: 'Slow',
  id: 'slow',
  tasks: [{ id: 'a', title: 'Sleep', run: 'sleep 30' }],
};

describe('exit codes and messages that mean what they say (item 8)', () => {
  it('a dry run that would refuse exits 2 and suggests --agent with an available agent', async () => {
    const repo = await milestoneRepo();
    const plan = {
      version: 1,
      milestone: 'Needs an agent',
      id: 'ag',
      defaults: { agent: 'not-installed' },
      tasks: [{ id: 'a', title: 'A', run: 'echo a > a.txt' }],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    const dry = await repo.run(['execute', 'ag', '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.stdout).toContain('dry run of ag: nothing will be changed');
    expect(dry.stderr).toContain('execute ag would refuse to start');
    expect(dry.stderr).toContain('milestone execute ag --agent shell');
    // The printed fix works when typed as printed.
    expect((await repo.run(['execute', 'ag', '--agent', 'shell', '--dry-run'])).code).toBe(0);
    expect((await repo.run(['execute', 'ag', '--agent', 'shell'])).code).toBe(0);
  });

  it('a refused execute (exit 3) writes nothing to the store and prints no executing line', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(SLOW)).code).toBe(0);
    const child = repo.spawn(['execute', 'slow']);
    const done = exited(child);
    await waitForOutput(child, 'a started');
    const store = openStore(join(repo.root, '.milestones/.local'), { readonly: true });
    const before = store.version('slow');
    const refused = await repo.run(['execute', 'slow']);
    // The running coordinator may append its own events meanwhile; the refused one adds none.
    const added = store.events('slow', { afterSeq: before }).map((e) => e.type);
    store.close();
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('is being executed by pid');
    expect(refused.stderr).not.toContain('executing slow');
    expect(added).not.toContain('mode_selected');
    expect(added).not.toContain('milestone_status');
    child.kill('SIGINT');
    expect(await done).toBe(130);
  });

  it('three quick Ctrl-C print one line saying the state is saved and how to resume', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(SLOW)).code).toBe(0);
    const child = repo.spawn(['execute', 'slow']);
    const done = exited(child);
    await waitForOutput(child, 'a started');
    child.kill('SIGINT');
    // The impatient presses land while the run is stopping (its agent already canceled).
    await waitForOutput(child, 'a canceled');
    child.kill('SIGINT');
    child.kill('SIGINT');
    expect(await done).toBe(130);
    const lines = child
      .output()
      .stderr.split('\n')
      .filter((line) => /state (is )?saved/.test(line));
    expect(lines).toEqual(['milestone: interrupted: state saved; run `milestone execute slow` to resume']);
    expect((await repo.status('slow')).status).toBe('paused');
  });

  it('pausing after --phase suggests the next execute, not finish; completing suggests finish', async () => {
    const repo = await milestoneRepo();
    const plan = {
      version: 1,
      milestone: 'Two phases',
      id: 'two',
      tasks: [
        { id: 'd', title: 'Design', phase: 'design', run: 'echo d > d.md' },
        { id: 'e', title: 'Build', run: 'echo e > e.js', needs: ['d'] },
      ],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    const first = await repo.run(['execute', 'two', '--phase', 'design']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('next: milestone execute two');
    expect(first.stderr).not.toContain('milestone finish');
    const rest = await repo.run(['execute', 'two']);
    expect(rest.stderr).toContain('next: milestone status two   |   milestone finish two');
  });

  it('cancel, execute and finish give the same advice for a cancelled milestone', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan({ ...SLOW, tasks: [{ id: 'a', title: 'A', run: 'true' }] })).code).toBe(0);
    const cancelled = await repo.run(['cancel', 'slow']);
    expect(cancelled.code).toBe(0);
    const advice = 'milestone plan --from plan.yaml --replace slow && milestone execute slow';
    expect(cancelled.stdout).toContain(advice);
    for (const command of [
      ['execute', 'slow'],
      ['finish', 'slow'],
      ['cancel', 'slow'],
    ]) {
      const result = await repo.run(command);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(advice);
      expect(result.stderr).toContain('milestone rm slow');
    }
  });

  it('git refusing and a base branch deleted after planning exit 2 with the cause, never "internal error"', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan({ ...SLOW, tasks: [{ id: 'a', title: 'A', run: 'true' }] })).code).toBe(0);
    // Another git process holds the ref lock: git refuses to create the milestone branch.
    const lock = join(repo.root, '.git/refs/heads/milestone/slow.lock');
    mkdirSync(dirname(lock), { recursive: true });
    writeFileSync(lock, '');
    const locked = await repo.run(['execute', 'slow']);
    expect(locked.code).toBe(2);
    expect(locked.stderr).toContain('git refused');
    expect(locked.stderr).toContain('cannot lock ref');
    expect(locked.stderr).not.toContain('internal error');

    await git(repo.root, 'checkout', '-q', '-b', 'other');
    await git(repo.root, 'branch', '-D', 'main');
    const gone = await repo.run(['execute', 'slow']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('the base branch "main" of milestone slow no longer exists');
    expect(gone.stderr).not.toContain('internal error');
  });

  it('a YAML alias bomb is bad input (exit 2), not an internal error', async () => {
    const repo = await milestoneRepo();
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (const name of ['b', 'c', 'd', 'e', 'f']) {
      const previous = levels.at(-1)!.split(':')[0]!;
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
    }
    writeFileSync(
      join(repo.root, 'bomb.yaml'),
      `version: 1\nmilestone: Bomb\n${levels.join('\n')}\ntasks: []\n`,
    );
    const result = await repo.run(['plan', '--from', 'bomb.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bomb.yaml:1:1: malformed YAML: aliases expand too far');
    expect(result.stderr).not.toContain('internal error');
  });
});
