import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncRepo } from '../helpers/async-cli.js';
import { tempDir } from '../helpers/git-repo.js';

// The symlink guard asks git for a head's tracked links only when the head is not derived from
// a known one by a landing that added no link leaving the worktree: a landing that adds one must
// still make the next task's worktree refused.
describe('the symlink guard across landings', () => {
  it('refuses the task after a landing that committed a link leaving the worktree; tasks before it land', async () => {
    const outside = tempDir('milestone-outside-');
    const repo = await asyncRepo();
    const plan = {
      version: 1,
      milestone: 'Links',
      id: 'links',
      defaults: { retries: 0 },
      tasks: [
        { id: 'plain', title: 'plain', run: 'echo 1 > one.txt' },
        { id: 'link', title: 'link', needs: ['plain'], run: `ln -s ${outside} out` },
        { id: 'after', title: 'after', needs: ['link'], run: 'echo pwned > out/file.txt' },
      ],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    const run = await repo.run(['execute', 'links', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(1);
    expect(existsSync(join(outside, 'file.txt'))).toBe(false);
    const tasks = Object.fromEntries((await repo.status('links')).tasks.map((t) => [t.id, t]));
    expect(tasks.plain).toMatchObject({ status: 'succeeded', merged: true });
    expect(tasks.link).toMatchObject({ status: 'succeeded', merged: true });
    expect(tasks.after).toMatchObject({ status: 'failed', merged: false });
    expect(tasks.after!.reason).toContain(
      'sandbox: the worktree holds symlinks that point outside it ("out"',
    );
  });
});
