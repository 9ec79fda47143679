import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { asyncRepo, gitA } from '../../helpers/async-cli.js';
import { CLI, GIT_ENV } from '../../helpers/git-repo.js';
import { landingLog, netLandings } from './landing-log.js';

const CHECK = 'if [ -f broken ]; then echo "found broken" >&2; exit 1; fi\n';

function plan() {
  return {
    version: 1,
    milestone: 'Crash',
    id: 'crash',
    verify: 'sh check.sh',
    integration: 'phase',
    tasks: Array.from({ length: 4 }, (_, i) => ({
      id: `t${i + 1}`,
      title: `Write ${i + 1}`,
      files: [`out-${i + 1}.txt`, ...(i === 2 ? ['broken'] : [])],
      run:
        i === 2
          ? 'echo 3 > out-3.txt; [ -n "$MILESTONE_INTEGRATION_FAILURE" ] || touch broken'
          : `echo ${i + 1} > out-${i + 1}.txt`,
    })),
  };
}

/** Starts `execute` paused at `step`, waits for it to say so, then kills it with SIGKILL. */
async function killAt(root: string, env: Record<string, string>, step: string): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'execute', 'crash', '--mode', 'agents', '--concurrency', '4'], {
    cwd: root,
    env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', ...env, MILESTONE_TEST_PAUSE_AT: step },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk;
      if (output.includes(`paused at ${step}`)) resolve();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', () => reject(new Error(`exited before pausing at ${step}: ${output}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return output;
}

async function expectExactlyOnceAndGreen(repo: Awaited<ReturnType<typeof asyncRepo>>) {
  const resumed = await repo.run(['execute', 'crash', '--json']);
  expect(resumed.code, resumed.stderr).toBe(0);
  const log = await landingLog(repo.root, 'milestone/crash');
  expect(netLandings(log)).toEqual({ t1: 1, t2: 1, t3: 1, t4: 1 });
  expect(log.filter((c) => c.reverted).map((c) => c.task)).toEqual(['t3']);
  const files = (await gitA(repo.root, 'ls-tree', '--name-only', 'milestone/crash')).split('\n');
  expect(files).not.toContain('broken');
  for (let i = 1; i <= 4; i++) expect(files).toContain(`out-${i}.txt`);
  // The phase commit came after a green check of the head it was made on.
  const events = resumed.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; step?: string; ok?: boolean; detail?: { commit?: string } });
  const phase = events.findIndex((e) => e.type === 'phase_committed');
  const lastCheck = events
    .slice(0, phase)
    .findLast((e) => e.type === 'outcome' && e.step === 'integration_check');
  expect(lastCheck?.ok).toBe(true);
  const beforePhase = await gitA(repo.root, 'rev-parse', 'milestone/crash^');
  expect(lastCheck?.detail?.commit).toBe(beforePhase);
  const status = await repo.status('crash');
  expect(status.status).toBe('completed');
  return status;
}

describe('integration checks survive kill -9', () => {
  it('during a bisect: the resumed run bisects again, reverts the culprit once, ends green', async () => {
    const repo = await asyncRepo({ 'check.sh': CHECK });
    expect((await repo.plan(plan())).code).toBe(0);
    await killAt(repo.root, repo.env, 'integration_bisect');
    // Nothing was reverted yet: every task is on the branch once.
    expect(netLandings(await landingLog(repo.root, 'milestone/crash'))).toEqual({
      t1: 1,
      t2: 1,
      t3: 1,
      t4: 1,
    });
    await expectExactlyOnceAndGreen(repo);
  });

  it('during a revert: the revert commit counts, the culprit re-runs once with the failure, ends green', async () => {
    const repo = await asyncRepo({ 'check.sh': CHECK });
    expect((await repo.plan(plan())).code).toBe(0);
    await killAt(repo.root, repo.env, 'integration_revert');
    // The branch holds the revert, the store never heard of it: git is the truth.
    const before = await landingLog(repo.root, 'milestone/crash');
    expect(before.filter((c) => c.reverted).map((c) => c.task)).toEqual(['t3']);
    expect(netLandings(before)).toEqual({ t1: 1, t2: 1, t3: 0, t4: 1 });
    const status = await expectExactlyOnceAndGreen(repo);
    expect(status.tasks.find((t) => t.id === 't3')?.attempts).toBe(2);
  });
});
