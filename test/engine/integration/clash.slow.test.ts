import { describe, expect, it } from 'vitest';
import { asyncRepo, gitA } from '../../helpers/async-cli.js';
import { landingLog, netLandings } from './landing-log.js';

/** Fails when both halves say `clash`: each task alone passes, the two together do not. */
const CHECK = `#!/bin/sh
if grep -q clash a.txt 2>/dev/null && grep -q clash b.txt 2>/dev/null; then
  echo "a.txt and b.txt clash" >&2
  exit 1
fi
echo "combined tree ok"
`;

/** Writes `clash` the first time; with the integration failure in its environment, a fix. */
function half(name: string): string {
  return `if [ -n "$MILESTONE_INTEGRATION_FAILURE" ]; then cp "$MILESTONE_INTEGRATION_FAILURE" feedback-${name}.txt; echo compatible > ${name}.txt; else echo clash > ${name}.txt; fi`;
}

describe('integration checks: two tasks green alone, red together', () => {
  it('finds the culprit, reverts it, re-runs it with the failure in its environment, ends green', async () => {
    const repo = await asyncRepo({ 'check.sh': CHECK });
    const planned = await repo.plan({
      version: 1,
      milestone: 'Clash',
      id: 'clash',
      verify: 'sh check.sh',
      tasks: [
        {
          id: 'a',
          title: 'Write a',
          run: half('a'),
          files: ['a.txt', 'feedback-a.txt'],
          verify: 'sh check.sh',
        },
        {
          id: 'b',
          title: 'Write b',
          run: half('b'),
          files: ['b.txt', 'feedback-b.txt'],
          verify: 'sh check.sh',
        },
      ],
    });
    expect(planned.code, planned.stderr).toBe(0);
    const run = await repo.run(['execute', 'clash', '--mode', 'agents', '--concurrency', '2', '--json']);
    expect(run.code, run.stderr).toBe(0);

    const log = await landingLog(repo.root, 'milestone/clash');
    const reverts = log.filter((c) => c.reverted);
    expect(reverts).toHaveLength(1);
    const culprit = reverts[0]!.task;
    const other = culprit === 'a' ? 'b' : 'a';
    // The reverted landing was the culprit's, and it landed again after the revert.
    expect(log.find((c) => c.sha === reverts[0]!.reverted)?.task).toBe(culprit);
    expect(netLandings(log)).toEqual({ a: 1, b: 1 });

    // Its retry got the failing output; the other task never did.
    const head = 'milestone/clash';
    expect(await gitA(repo.root, 'show', `${head}:feedback-${culprit}.txt`)).toContain(
      'a.txt and b.txt clash',
    );
    expect(await gitA(repo.root, 'show', `${head}:${culprit}.txt`)).toBe('compatible');
    expect(await gitA(repo.root, 'show', `${head}:${other}.txt`)).toBe('clash');

    const events = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; step?: string; ok?: boolean; taskId?: string });
    const steps = events.filter((e) => e.type === 'outcome' && e.step?.startsWith('integration_'));
    expect(steps.some((e) => e.step === 'integration_check' && e.ok === false)).toBe(true);
    expect(steps.filter((e) => e.step === 'integration_revert')).toEqual([
      expect.objectContaining({ ok: true, taskId: culprit }),
    ]);
    // The last check before the phase commit passed.
    const last = steps.filter((e) => e.step === 'integration_check').at(-1);
    expect(last?.ok).toBe(true);

    const status = await repo.status('clash');
    expect(status.status).toBe('completed');
    const task = status.tasks.find((t) => t.id === culprit)!;
    expect(task.attempts).toBe(2);
    const text = await repo.run(['status', 'clash']);
    expect(text.stdout).toMatch(
      /integration: green at [0-9a-f]{10} — \d+ check\(s\), \d+ bisect step\(s\), 1 revert\(s\)/,
    );
    const metrics = JSON.parse((await repo.run(['metrics', 'clash', '--json'])).stdout) as {
      integration: { checks: number; reverts: number; totalMs: number };
    };
    expect(metrics.integration.reverts).toBe(1);
    expect(metrics.integration.checks).toBeGreaterThanOrEqual(2);
    expect(metrics.integration.totalMs).toBeGreaterThan(0);
  });
});
