import { describe, expect, it } from 'vitest';
import { asyncRepo, gitA } from '../../helpers/async-cli.js';
import { landingLog, netLandings } from './landing-log.js';

describe('integration checks: intent kept', () => {
  it('reports a later task that deletes an earlier task’s test file, with the landing that did it', async () => {
    const repo = await asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Intent',
      id: 'intent',
      tasks: [
        {
          id: 'tests',
          title: 'Add tests',
          run: 'mkdir -p tests && echo "exit 0" > tests/login.test.sh',
          files: ['tests/**'],
        },
        {
          id: 'cleanup',
          title: 'Tidy the login code',
          needs: ['tests'],
          run: 'rm tests/login.test.sh && echo tidy > tidy.txt',
          files: ['tidy.txt'],
        },
      ],
    });
    const run = await repo.run(['execute', 'intent', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    const cleanup = (await landingLog(repo.root, 'milestone/intent')).find((c) => c.task === 'cleanup')!;
    expect(run.stdout).toContain(
      `tests: its file tests/login.test.sh was deleted by cleanup (landing ${cleanup.sha.slice(0, 10)})`,
    );
    const json = await repo.run(['status', 'intent', '--json']);
    const doc = JSON.parse(json.stdout) as { integration: { intent: unknown[] } };
    expect(doc.integration.intent).toEqual([
      { task: 'tests', file: 'tests/login.test.sh', by: 'cleanup', landing: cleanup.sha },
    ]);
    const status = await repo.run(['status', 'intent']);
    expect(status.stdout).toContain('tests/login.test.sh deleted by cleanup');
  });

  it('does not report a deletion the later task’s plan announces', async () => {
    const repo = await asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Intent ok',
      id: 'intent-ok',
      tasks: [
        {
          id: 'tests',
          title: 'Add tests',
          run: 'mkdir -p tests && echo "exit 0" > tests/old.test.sh',
          files: ['tests/**'],
        },
        {
          id: 'drop',
          title: 'Remove the old test',
          needs: ['tests'],
          run: 'rm tests/old.test.sh',
          files: ['tests/old.test.sh'],
        },
      ],
    });
    const run = await repo.run(['execute', 'intent-ok', '--mode', 'agents', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('integration_intent');
  });

  it('re-runs a task’s verify when a later landing touched its files, and reverts the landing that broke it', async () => {
    const repo = await asyncRepo({ 'sum.txt': '1\n' });
    await repo.plan({
      version: 1,
      milestone: 'Verify again',
      id: 'again',
      tasks: [
        // Its verify holds alone: sum.txt has a line "2".
        {
          id: 'add',
          title: 'Add 2',
          run: 'echo 2 >> sum.txt',
          files: ['sum.txt'],
          verify: 'grep -qx 2 sum.txt',
        },
        {
          id: 'rewrite',
          title: 'Rewrite sum',
          needs: ['add'],
          files: ['sum.txt'],
          // Overwrites the file (losing add's line) unless told the combined tree broke.
          run: 'if [ -n "$MILESTONE_INTEGRATION_FAILURE" ]; then echo 3 >> sum.txt; else echo 3 > sum.txt; fi',
        },
      ],
    });
    const run = await repo.run(['execute', 'again', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'add: its verify `grep -qx 2 sum.txt` fails on the combined tree since rewrite landed',
    );
    const log = await landingLog(repo.root, 'milestone/again');
    expect(log.filter((c) => c.reverted).map((c) => c.task)).toEqual(['rewrite']);
    expect(netLandings(log)).toEqual({ add: 1, rewrite: 1 });
    expect((await gitA(repo.root, 'show', 'milestone/again:sum.txt')).split('\n')).toEqual(['1', '2', '3']);
  });
});
