import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, gitRepo, milestone, tempDir, writeFiles } from '../helpers/git-repo.js';

// A task that fails until the person fixes what it needs (here: a file it checks for).
const PLAN = [
  'version: 1',
  'milestone: Retry after a failure',
  'id: rf',
  'defaults: { agent: shell, retries: 0 }',
  'tasks:',
  '  - { id: a, title: Task A, run: "echo a > a.txt", files: [a.txt] }',
  '  - { id: b, title: Task B, run: "test -f \\"$MILESTONE_REPO_ROOT/.ready\\" || exit 1; echo b > b.txt", files: [b.txt] }',
  '',
].join('\n');

describe('status of a failed milestone', () => {
  it('says what to run next, and that command, typed as shown once the cause is fixed, completes the milestone', async () => {
    const root = await gitRepo();
    const env = { XDG_STATE_HOME: tempDir('milestone-state-') };
    writeFiles(root, { 'plan.yaml': PLAN });
    expect((await milestone(root, ['plan', '--from', 'plan.yaml'], env)).code).toBe(0);
    const failed = await milestone(root, ['execute', 'rf'], env);
    expect(failed.code, failed.stderr).toBe(1);

    const status = await milestone(root, ['status', 'rf'], env);
    expect(status.stdout).toContain('status failed');
    const next = status.stdout.split('\n').find((line) => line.startsWith('next: '));
    expect(next).toBe('next: run `milestone execute rf` again to retry what did not land');

    // The person fixes the cause and types the command the status showed.
    writeFileSync(join(root, '.ready'), '');
    const command = /`milestone (.+)`/.exec(next!)![1]!.split(' ');
    const again = await milestone(root, command, env);
    expect(again.code, again.stderr).toBe(0);
    expect(await git(root, 'show', 'milestone/rf:b.txt')).toBe('b');
    const done = await milestone(root, ['status', 'rf'], env);
    expect(done.stdout).toContain('status completed');
    expect(done.stdout).not.toContain('next: ');
  });
});
