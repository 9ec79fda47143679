import { describe, expect, it } from 'vitest';
import { exited, milestoneRepo, waitForOutput } from '../helpers/milestone-repo.js';

// `milestone cancel` stops the coordinator with SIGTERM. The coordinator used to end with
// "interrupted: state saved; run `milestone execute <id>` to resume", which the cancelled
// milestone then refused: it says it was cancelled instead.

describe('a run stopped by milestone cancel', () => {
  it('says it was cancelled, not how to resume; a Ctrl-C still says how to resume', async () => {
    const repo = await milestoneRepo();
    const plan = {
      version: 1,
      milestone: 'Cancel me',
      id: 'cancel-me',
      tasks: [{ id: 'a', title: 'Sleep', run: 'sleep 30' }],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    const child = repo.spawn(['execute', 'cancel-me']);
    const done = exited(child);
    await waitForOutput(child, 'a started');
    const cancelled = await repo.run(['cancel', 'cancel-me']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(await done).toBe(130);
    const said = child.output().stderr;
    expect(said).toMatch(/stopped by `milestone cancel` \(pid \d+\): state saved/);
    expect(said).not.toContain('to resume');
    expect((await repo.status('cancel-me')).status).toBe('cancelled');
    // What the coordinator said holds: execute refuses a cancelled milestone.
    expect((await repo.run(['execute', 'cancel-me'])).code).toBe(2);

    // The marker is gone with the cancel: a later interrupt is an interrupt.
    const again = { ...plan, milestone: 'Interrupt me', id: 'interrupt-me' };
    expect((await repo.plan(again)).code).toBe(0);
    const second = repo.spawn(['execute', 'interrupt-me']);
    const secondDone = exited(second);
    await waitForOutput(second, 'a started');
    second.kill('SIGTERM');
    expect(await secondDone).toBe(130);
    expect(second.output().stderr).toContain(
      'interrupted: state saved; run `milestone execute interrupt-me` to resume',
    );
  });
});
