import { describe, expect, it } from 'vitest';
import { milestoneRepo } from '../helpers/milestone-repo.js';

// The review packet of a run that failed said what happened to each task but not what to do:
// no retry command, no steps for a conflicted task (`status` and `execute` print them), and a
// skipped task showed only "not run". A person handed the report was left to find them.
describe('report after a run with failures', () => {
  it('says what to do: the retry command, the steps of each conflicted task, why a task did not run', async () => {
    const repo = await milestoneRepo({ 'README.md': 'hi\n' });
    const planned = await repo.plan({
      version: 1,
      milestone: 'Failures',
      id: 'fl',
      defaults: { agent: 'shell', retries: 0 },
      tasks: [
        { id: 'ok', title: 'Good task', run: 'echo ok > ok.txt', files: ['ok.txt'] },
        { id: 'bad', title: 'Bad task', run: 'echo boom >&2; exit 3', files: ['bad.txt'] },
        { id: 'dep', title: 'Needs bad', needs: ['bad'], run: 'echo d > d.txt', files: ['d.txt'] },
        { id: 'c1', title: 'Conflict one', needs: ['ok'], run: 'echo one > README.md', files: ['c1.txt'] },
        { id: 'c2', title: 'Conflict two', needs: ['c1'], run: 'echo two > README.md', files: ['c2.txt'] },
      ],
    });
    expect(planned.code, planned.stderr).toBe(0);
    // c2 runs after c1 on the base's README, so its merge conflicts with c1's landing.
    await repo.run(['execute', 'fl', '--mode', 'agents']);
    const status = await repo.status('fl');
    const byId = Object.fromEntries(status.tasks.map((t) => [t.id, t.status]));
    expect(byId).toMatchObject({ ok: 'succeeded', bad: 'failed', dep: 'skipped', c1: 'succeeded' });
    expect(['conflicted', 'succeeded']).toContain(byId.c2);

    const md = await repo.run(['report', 'fl']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('## What to do');
    expect(md.stdout).toContain('run again what did not land (bad, dep): milestone execute fl');
    expect(md.stdout).toContain('not run: needs bad, which did not land');
    if (byId.c2 === 'conflicted') {
      expect(md.stdout).toContain('conflict: task c2');
      expect(md.stdout).toContain('git merge milestone/fl');
    }
    const html = await repo.run(['report', 'fl', '--format', 'html']);
    expect(html.stdout).toContain('<h2>What to do</h2>');
    const json = JSON.parse((await repo.run(['report', 'fl', '--format', 'json'])).stdout) as {
      next: string[];
    };
    expect(json.next[0]).toBe('run again what did not land (bad, dep): milestone execute fl');
  });

  it('has no "What to do" once every task landed', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Fine',
      id: 'fine',
      defaults: { agent: 'shell' },
      tasks: [{ id: 'a', title: 'A', run: 'echo a > a.txt', files: ['a.txt'] }],
    });
    const run = await repo.run(['execute', 'fine']);
    expect(run.code, run.stderr).toBe(0);
    const md = await repo.run(['report', 'fine']);
    expect(md.stdout).not.toContain('What to do');
  });
});
