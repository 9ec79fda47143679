import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KILL_COORDINATOR, milestoneRepo } from '../helpers/milestone-repo.js';

// A run killed (`kill -9`) in the middle of a task's attempt, then `execute` again: the resumed
// run used to number its attempt within the run ("attempt 1, 2 overall") while status, metrics
// and the log files said 2, and the first attempt's log just stopped. Now every place says the
// task's own number, the resumed run's line says what came before it, the cut-short attempt's
// log ends with a line saying so, and it is counted once and never as a retry.
describe('attempt numbers after a coordinator killed mid-attempt', () => {
  it('status, execute, metrics and the logs agree: attempt 1 cut short, attempt 2 the resumed one', async () => {
    const repo = await milestoneRepo({ 'README.md': 'hi\n' });
    const marker = join(repo.root, '..', `${repo.root.split('/').pop()}-killed`);
    const killOnce = [
      `if [ ! -e '${marker}' ]; then`,
      `  touch '${marker}'`,
      '  echo partial > a.txt',
      '  echo "first attempt output"',
      `  ${KILL_COORDINATOR}`,
      '  sleep 30',
      'fi',
      'echo a > a.txt',
      'echo "second attempt output"',
    ].join('\n');
    const planned = await repo.plan({
      version: 1,
      milestone: 'Attempt numbers',
      id: 'an',
      defaults: { agent: 'shell', retries: 0 },
      tasks: [{ id: 'a', title: 'Task A', files: ['a.txt'], run: killOnce }],
    });
    expect(planned.code, planned.stderr).toBe(0);

    const killed = await repo.run(['execute', 'an']);
    expect(killed.code).not.toBe(0);
    expect(killed.stdout).toContain('> a started (attempt 1, shell)');
    const during = await repo.status('an');
    expect(during.tasks[0]).toMatchObject({ id: 'a', status: 'running', attempts: 1 });

    // retries: 0, and the resumed attempt still runs: the cut-short one used no retry.
    const resumed = await repo.run(['execute', 'an']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(
      'a pending: interrupted; re-running from a fresh worktree (attempt 1 cut short)',
    );
    expect(resumed.stdout).toContain('> a started (attempt 2, shell; attempt 1 before this run)');
    expect(resumed.stdout).not.toMatch(/overall/);

    const status = await repo.status('an');
    expect(status.status).toBe('completed');
    expect(status.tasks[0]).toMatchObject({ id: 'a', status: 'succeeded', attempts: 2, merged: true });

    const logs = join(repo.root, '.milestones', '.local', 'logs', 'an', 'a');
    expect(readdirSync(logs).sort()).toEqual(['attempt-1.log', 'attempt-2.log']);
    const first = readFileSync(join(logs, 'attempt-1.log'), 'utf8');
    expect(first).toContain('first attempt output');
    expect(first.trimEnd().split('\n').at(-1)).toBe(
      '--- milestone: attempt 1 cut short: its run stopped (crash or kill) before the attempt ended; the next attempt runs the task again from a fresh worktree ---',
    );
    const second = readFileSync(join(logs, 'attempt-2.log'), 'utf8');
    expect(second).toMatch(/^--- milestone: shell agent, task a, attempt 2:/);
    expect(second).toContain('second attempt output');
    expect(second).not.toContain('cut short');

    const metrics = await repo.run(['metrics', 'an', '--json']);
    expect(metrics.code, metrics.stderr).toBe(0);
    const doc = JSON.parse(metrics.stdout) as {
      tasks: Array<{ id: string; attempts: number; retries: number; cutShort: number; firstTime: boolean }>;
      totals: { attempts: number; retries: number; cutShort: number };
    };
    expect(doc.tasks[0]).toMatchObject({ id: 'a', attempts: 2, retries: 0, cutShort: 1, firstTime: true });
    expect(doc.totals).toMatchObject({ attempts: 2, retries: 0, cutShort: 1 });
    const text = await repo.run(['metrics', 'an']);
    expect(text.stdout).toContain('2 attempts (1 cut short by a stopped run), 0 retries');

    // The review packet says it too, in each of its forms.
    const report = await repo.run(['report', 'an']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('| shell | 2 (1 cut short) | succeeded |');
    const packet = JSON.parse((await repo.run(['report', 'an', '--json'])).stdout) as {
      phases: Array<{ tasks: Array<{ id: string; attempts: number; cutShort: number }> }>;
    };
    expect(packet.phases[0]!.tasks[0]).toMatchObject({ id: 'a', attempts: 2, cutShort: 1 });
  });
});
