import { describe, expect, it } from 'vitest';
import { asyncRepo, gitA } from '../../helpers/async-cli.js';
import { landingLog, netLandings } from './landing-log.js';

type Event = { type: string; step?: string; ok?: boolean; taskId?: string; detail?: Record<string, unknown> };

function events(stdout: string): Event[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);
}

describe('integration checks: a batch of landings', () => {
  it('finds the one bad landing of 8 in at most 3 bisect checks and keeps the other 7', async () => {
    const repo = await asyncRepo({
      'check.sh': 'if [ -f broken ]; then echo "found broken" >&2; exit 1; fi\n',
    });
    const tasks = Array.from({ length: 8 }, (_, i) => ({
      id: `t${i + 1}`,
      title: `Write ${i + 1}`,
      files: [`out-${i + 1}.txt`, ...(i === 4 ? ['broken'] : [])],
      // t5 also leaves `broken` behind, unless it is told what the combined check said.
      run:
        i === 4
          ? 'echo 5 > out-5.txt; [ -n "$MILESTONE_INTEGRATION_FAILURE" ] || touch broken'
          : `echo ${i + 1} > out-${i + 1}.txt`,
    }));
    // `integration: phase`: one check after all 8 landed, so the batch is exactly 8.
    const planned = await repo.plan({
      version: 1,
      milestone: 'Batch',
      id: 'batch',
      verify: 'sh check.sh',
      integration: 'phase',
      tasks,
    });
    expect(planned.code, planned.stderr).toBe(0);
    const run = await repo.run(['execute', 'batch', '--mode', 'agents', '--concurrency', '4', '--json']);
    expect(run.code, run.stderr).toBe(0);

    const log = events(run.stdout);
    const first = log.find((e) => e.type === 'outcome' && e.step === 'integration_check')!;
    expect(first).toMatchObject({ ok: false, detail: { batch: 8 } });
    const bisect = log.filter((e) => e.type === 'outcome' && e.step === 'integration_bisect');
    expect(bisect.length).toBeGreaterThan(0);
    expect(bisect.length).toBeLessThanOrEqual(3);
    expect(log.filter((e) => e.type === 'outcome' && e.step === 'integration_revert')).toEqual([
      expect.objectContaining({ taskId: 't5', ok: true }),
    ]);

    const landings = await landingLog(repo.root, 'milestone/batch');
    expect(netLandings(landings)).toEqual(Object.fromEntries(tasks.map((t) => [t.id, 1])));
    // The seven good landings were never reverted: one revert, of t5's first landing.
    expect(landings.filter((c) => c.reverted).map((c) => c.task)).toEqual(['t5']);
    const files = (await gitA(repo.root, 'ls-tree', '--name-only', 'milestone/batch')).split('\n');
    expect(files).not.toContain('broken');
    for (let i = 1; i <= 8; i++) expect(files).toContain(`out-${i}.txt`);
    expect((await repo.status('batch')).status).toBe('completed');
  });

  it('stops and says so when the check fails without any of the batch', async () => {
    const repo = await asyncRepo({ 'check.sh': 'echo "database unreachable" >&2; exit 1\n' });
    await repo.plan({
      version: 1,
      milestone: 'Env',
      id: 'env',
      verify: 'sh check.sh',
      integration: 'phase',
      tasks: [
        { id: 'x', title: 'x', run: 'echo x > x.txt', files: ['x.txt'] },
        { id: 'y', title: 'y', run: 'echo y > y.txt', files: ['y.txt'] },
      ],
    });
    const run = await repo.run(['execute', 'env', '--mode', 'agents', '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('fails without any of the batch');
    const log = events(run.stdout);
    expect(log.filter((e) => e.type === 'outcome' && e.step === 'integration_baseline')).toHaveLength(2);
    expect(log.some((e) => e.type === 'outcome' && e.step === 'integration_revert')).toBe(false);
    expect(log.some((e) => e.type === 'phase_committed')).toBe(false);
    expect((await repo.status('env')).status).toBe('failed');
  });
});
