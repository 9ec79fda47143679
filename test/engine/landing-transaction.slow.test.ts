import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MilestoneEvent } from '../../src/core/events.js';
import { asyncRepo, gitA, until } from '../helpers/async-cli.js';
import { CLI, GIT_ENV, gitRepo, writeFiles } from '../helpers/git-repo.js';
import { landingLog, netLandings } from './integration/landing-log.js';
import { spec, taskCommit, testLander } from './lander-fixture.js';

/** A repository with `milestone/m` at main and one task branch per id, each adding its own file. */
async function repoWithTasks(ids: string[]) {
  const root = await gitRepo({ files: { 'a.txt': 'a' } });
  const base = await gitA(root, 'rev-parse', 'HEAD');
  await gitA(root, 'branch', 'milestone/m', base);
  const commits = new Map<string, string>();
  for (const id of ids) commits.set(id, await taskCommit(root, id, base, { [`${id}.txt`]: id }));
  return { root, base, commits };
}

describe('landing through one update-ref process', () => {
  it('lands landings queued behind each other in one transaction, each Task-Id once, in order', async () => {
    const ids = ['t1', 't2', 't3'];
    const { root, base, commits } = await repoWithTasks(ids);
    const events: MilestoneEvent[] = [];
    const l = testLander(root, events);
    try {
      const results = await Promise.all(
        ids.map((id) =>
          l.land(spec(id), `milestone/m.tasks/${id}`, 1, { commit: commits.get(id)!, parent: base }),
        ),
      );
      const head = await gitA(root, 'rev-parse', 'milestone/m');
      expect(results.map((r) => 'commit' in r)).toEqual([true, true, true]);
      expect('commit' in results[2]! && results[2].commit).toBe(head);
      expect(l.refProcesses).toBe(1);
    } finally {
      await l.close();
    }
    // One move of the branch for three merges: the reflog has the creation and one landing.
    const reflog = (await gitA(root, 'reflog', '--format=%gs', 'milestone/m')).split('\n');
    expect(reflog).toEqual(['milestone: land', expect.stringContaining('branch: Created')]);
    const log = await landingLog(root, 'milestone/m');
    expect(netLandings(log)).toEqual({ t1: 1, t2: 1, t3: 1 });
    const merges = (await gitA(root, 'log', '--first-parent', '--format=%s', 'milestone/m')).split('\n');
    expect(merges.slice(0, 3)).toEqual([
      'Merge task t3: Write t3',
      'Merge task t2: Write t2',
      'Merge task t1: Write t1',
    ]);
    expect(events.filter((e) => e.type === 'intent' && e.step === 'merge')).toHaveLength(3);
  });

  it('retries a landing whose compare-and-swap lost a race on the branch as it is now', async () => {
    const { root, base, commits } = await repoWithTasks(['t1']);
    const l = testLander(root, []);
    try {
      expect(await l.currentHead()).toBe(base);
      // Another writer moves the branch after the lander read it.
      writeFiles(root, { 'other.txt': 'x' });
      await gitA(root, 'add', 'other.txt');
      const tree = await gitA(root, 'write-tree');
      const other = await gitA(root, 'commit-tree', tree, '-p', base, '-m', 'other writer');
      await gitA(root, 'reset', '-q');
      await gitA(root, 'update-ref', 'refs/heads/milestone/m', other, base);
      const result = await l.land(spec('t1'), 'milestone/m.tasks/t1', 1, {
        commit: commits.get('t1')!,
        parent: base,
      });
      expect('commit' in result).toBe(true);
      const head = await gitA(root, 'rev-parse', 'milestone/m');
      expect('commit' in result && result.commit).toBe(head);
      // Both the other writer's commit and the task are on the branch.
      expect(await gitA(root, 'rev-parse', 'milestone/m^1')).toBe(other);
      expect(await gitA(root, 'ls-tree', '--name-only', 'milestone/m')).toContain('t1.txt');
    } finally {
      await l.close();
    }
  });

  it('kill -9 between prepare and commit: the branch stays at the old head, unlocked; the resume lands each task once', async () => {
    const repo = await asyncRepo();
    const plan = {
      version: 1,
      milestone: 'Kill',
      id: 'kill',
      tasks: Array.from({ length: 6 }, (_, i) => ({
        id: `t${i + 1}`,
        title: `Write ${i + 1}`,
        run: `echo ${i} > out-${i + 1}.txt`,
      })),
    };
    expect((await repo.plan(plan)).code).toBe(0);
    const child = spawn(
      process.execPath,
      [CLI, 'execute', 'kill', '--mode', 'agents', '--concurrency', '3'],
      {
        cwd: repo.root,
        env: {
          ...process.env,
          ...GIT_ENV,
          NO_COLOR: '1',
          ...repo.env,
          MILESTONE_TEST_PAUSE_AT: 'land_commit',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const seen = (chunk: Buffer) => {
        output += chunk;
        if (output.includes('paused at land_commit')) resolve();
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', seen);
      child.on('exit', () => reject(new Error(`exited before pausing: ${output}`)));
    });
    const before = await gitA(repo.root, 'rev-parse', 'milestone/kill');
    // git holds the branch's lock with the new head prepared.
    expect(existsSync(join(repo.root, '.git', 'refs', 'heads', 'milestone', 'kill.lock'))).toBe(true);
    child.kill('SIGKILL');
    await exited;
    // git saw its stdin close and aborted: old head, no lock left behind.
    const lock = join(repo.root, '.git', 'refs', 'heads', 'milestone', 'kill.lock');
    await until(async () => !existsSync(lock), 'git to abort the prepared transaction');
    expect(await gitA(repo.root, 'rev-parse', 'milestone/kill')).toBe(before);
    const resumed = await repo.run(['execute', 'kill']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const log = await landingLog(repo.root, 'milestone/kill');
    expect(netLandings(log)).toEqual({ t1: 1, t2: 1, t3: 1, t4: 1, t5: 1, t6: 1 });
    expect((await repo.status('kill')).status).toBe('completed');
  });
});
