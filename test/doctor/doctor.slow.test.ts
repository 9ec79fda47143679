import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/doctor/doctor.js';
import type { Finding } from '../../src/doctor/finding.js';
import { repoWorktreeDir } from '../../src/engine/naming.js';
// The product's own check: a zombie (ended, not yet reaped by init) is not a live member.
import { groupAlive } from '../../src/process/process-group.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { fakeEnv, useFakeAgentsOnPath } from '../agents/fake-agents.js';
import { type AsyncRepo, asyncRepo, gitA, pathWithoutGh, runAsync, script } from '../helpers/async-cli.js';
import { CLI, GIT_ENV, tempDir } from '../helpers/git-repo.js';
import { exited } from '../helpers/milestone-repo.js';

useFakeAgentsOnPath();

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** `milestone doctor [--fix] --json`: exit code and the report. */
async function doctor(repo: AsyncRepo, fix = false, env: Record<string, string> = {}) {
  const result = await repo.run(['doctor', ...(fix ? ['--fix'] : []), '--json'], { env });
  expect(result.stdout, result.stderr).not.toBe('');
  return { code: result.code, stderr: result.stderr, report: JSON.parse(result.stdout) as DoctorReport };
}

/** The findings of one check, as `status: message` lines. */
function of(report: DoctorReport, check: Finding['check']): string[] {
  return report.findings.filter((f) => f.check === check).map((f) => `${f.status}: ${f.message}`);
}

const storeFile = (repo: AsyncRepo) => join(repo.root, '.milestones', '.local', 'store.db');

// Each test runs the built CLI several times; on a busy two-core machine each run takes seconds.
describe('milestone doctor', () => {
  it('on a healthy repository: every check ok, exit 0', async () => {
    const repo = await asyncRepo();
    const planned = await repo.plan({
      version: 1,
      milestone: 'Fine',
      id: 'fine',
      tasks: [{ id: 'a', title: 'A', run: 'true' }],
    });
    expect(planned.code, planned.stderr).toBe(0);
    const { code, report } = await doctor(repo);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(of(report, 'git')[0]).toMatch(/^ok: git \d+\.\d+/);
    expect(of(report, 'store')).toEqual([`ok: ${storeFile(repo)} passes PRAGMA integrity_check`]);
    expect(of(report, 'schema')).toEqual([`ok: schema version ${SCHEMA_VERSION}`]);
    expect(of(report, 'orphans')).toEqual(['ok: no orphaned agents, worktrees or task branches']);
    expect(of(report, 'agents')).toContain('ok: shell available');
    const text = await repo.run(['doctor']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('all good');
  });

  it('a git older than 2.38 needs a person', async () => {
    const repo = await asyncRepo();
    const real = (await runAsync('/bin/sh', ['-c', 'command -v git'], { cwd: repo.root })).stdout.trim();
    const bin = tempDir('milestone-old-git-');
    script(
      bin,
      'git',
      `if [ "$1" = "--version" ]; then echo "git version 2.30.2"; exit 0; fi\nexec "${real}" "$@"`,
    );
    const { code, report, stderr } = await doctor(repo, false, { PATH: `${bin}:${process.env.PATH}` });
    expect(code).toBe(1);
    expect(of(report, 'git')).toEqual([
      'person: git 2.30.2 is older than 2.38 (merges need `git merge-tree --write-tree`)',
    ]);
    expect(stderr).toContain('need');
  });

  it('a damaged store needs a person, and --fix leaves it alone', async () => {
    const repo = await asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Hurt',
      id: 'hurt',
      tasks: [{ id: 'a', title: 'A', run: 'true' }],
    });
    writeFileSync(
      storeFile(repo),
      'this is not an SQLite database, only text that took its place\n'.repeat(100),
    );
    for (const fix of [false, true]) {
      const { code, report } = await doctor(repo, fix);
      expect(code).toBe(1);
      const store = report.findings.find((f) => f.check === 'store');
      expect(store).toMatchObject({ status: 'person' });
      expect(store?.message).toContain('is damaged');
      expect(store?.action).toContain('.damaged');
      // Nothing else reads a store that failed its check.
      expect(of(report, 'leases')).toEqual([]);
    }
  });

  it('an older store schema is upgraded by --fix; a newer one needs a person', async () => {
    const repo = await asyncRepo();
    // A store no milestone has migrated yet: schema version 0.
    mkdirSync(join(repo.root, '.milestones', '.local'), { recursive: true, mode: 0o700 });
    writeFileSync(storeFile(repo), '', { mode: 0o600 });
    const before = await doctor(repo);
    expect(before.code).toBe(1);
    expect(of(before.report, 'schema')).toEqual([
      `fixable: ${storeFile(repo)} has schema version 0, older than ${SCHEMA_VERSION}`,
    ]);
    const fixed = await doctor(repo, true);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.report.findings.find((f) => f.check === 'schema')).toMatchObject({
      status: 'fixed',
      action: 'upgraded the schema',
    });
    expect((await repo.run(['list', '--json'])).code).toBe(0);

    const db = new Database(storeFile(repo));
    db.pragma('user_version = 99');
    db.close();
    const newer = await doctor(repo, true);
    expect(newer.code).toBe(1);
    expect(newer.report.findings.find((f) => f.check === 'schema')).toMatchObject({
      status: 'person',
      action: 'upgrade milestone',
    });
  });

  it('an agent a plan needs that is missing or logged out needs a person; unused ones are notes', async () => {
    const repo = await asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Needs claude',
      id: 'needs-claude',
      tasks: [{ id: 'a', title: 'A', prompt: 'do it', agent: 'claude' }],
    });
    const missing = await doctor(repo, false, { PATH: await pathWithoutGh() });
    expect(missing.code).toBe(1);
    expect(of(missing.report, 'agents')).toContain(
      'person: claude is needed by task needs-claude/a but unavailable: binary `claude` not found on PATH',
    );
    expect(of(missing.report, 'agents')).toContain(
      'note: codex unavailable: binary `codex` not found on PATH (nothing here needs it)',
    );
    // The fake claude on PATH answers `claude auth status` as a logged-out claude does.
    const loggedOut = await doctor(repo, true, fakeEnv('logged-out'));
    expect(loggedOut.code).toBe(1);
    const claude = loggedOut.report.findings.find(
      (f) => f.check === 'agents' && f.message.startsWith('claude'),
    );
    expect(claude).toMatchObject({ status: 'person', action: 'log claude in' });
    expect(claude?.message).toContain('not logged in');
    const loggedIn = await doctor(repo, false, fakeEnv('success'));
    expect(loggedIn.code, loggedIn.stderr).toBe(0);
    expect(of(loggedIn.report, 'agents')).toContain('ok: claude available (2.0.14 (Claude Code), logged in)');
  });

  it('after kill -9 of a coordinator: stale lease, dead coordinator, orphaned agent and task branch; --fix repairs what is safe', async () => {
    const repo = await asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Stuck',
      id: 'stuck',
      // The agent outlives its coordinator: its own process group, waiting for a long time.
      tasks: [{ id: 'wait', title: 'Wait', run: 'echo started; sleep 120' }],
    });
    const coordinator = spawn(process.execPath, [CLI, 'execute', 'stuck', '--mode', 'agents', '--json'], {
      cwd: repo.root,
      env: { ...process.env, ...GIT_ENV, ...repo.env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let pgid = 0;
    cleanups.push(() => {
      if (pgid && groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: coordinator.stdout }).on('line', (line) => {
        const event = JSON.parse(line) as {
          type: string;
          message?: string;
          pid?: number;
          data?: { pid?: number };
        };
        if (event.type === 'agent_progress' && event.message === 'started') resolve();
      });
      coordinator.once('exit', () => reject(new Error('the coordinator ended before its task started')));
    });
    coordinator.kill('SIGKILL');
    await exited(coordinator);

    // And a task worktree of the milestone that no task owns any more.
    const leftover = join(repoWorktreeDir(repo.worktreesDir, repo.root, 'stuck'), 'gone-task');
    await gitA(repo.root, 'worktree', 'add', '-q', '--detach', leftover);

    const found = await doctor(repo);
    expect(found.code).toBe(1);
    expect(of(found.report, 'leases')).toEqual([
      expect.stringMatching(/^fixable: stuck: the lease of pid \d+ on .+ is stale \(its process is gone\)$/),
    ]);
    expect(of(found.report, 'coordinators')).toEqual([
      `person: stuck is executing but no coordinator runs it (pid ${coordinator.pid} is gone)`,
    ]);
    const orphans = of(found.report, 'orphans');
    expect(orphans).toContainEqual(
      expect.stringMatching(/^fixable: orphaned agent of stuck\/wait still running \(process group \d+\)$/),
    );
    expect(orphans).toContain('fixable: orphaned task branch milestone/stuck.tasks/wait');
    expect(orphans).toContain(`fixable: orphaned worktree ${leftover}`);
    pgid = Number(/process group (\d+)/.exec(orphans.join('\n'))![1]);
    expect(groupAlive(pgid)).toBe(true);
    // A plain doctor changes nothing.
    expect(await gitA(repo.root, 'branch', '--list', 'milestone/stuck.tasks/*')).not.toBe('');

    const fixed = await doctor(repo, true);
    // The dead coordinator's milestone still needs a decision: resume or cancel.
    expect(fixed.code).toBe(1);
    expect(
      fixed.report.findings
        .filter((f) => f.status === 'fixed')
        .map((f) => `${f.check}: ${f.message} -> ${f.action}`),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^leases: stuck: the lease of pid \d+ .* -> released the lease$/),
        `orphans: orphaned agent of stuck/wait -> stopped process group ${pgid}`,
        'orphans: orphaned task branch milestone/stuck.tasks/wait -> deleted',
        `orphans: orphaned worktree ${leftover} -> removed`,
      ]),
    );
    expect(of(fixed.report, 'coordinators')).toEqual([
      `person: stuck is executing but no coordinator runs it (pid ${coordinator.pid} is gone)`,
    ]);
    expect(groupAlive(pgid)).toBe(false);
    expect(await gitA(repo.root, 'branch', '--list', 'milestone/stuck.tasks/*')).toBe('');
    expect(existsSync(leftover)).toBe(false);
    const text = await repo.run(['doctor']);
    expect(text.stdout).toContain('NEEDS YOU');
    expect(text.stdout).toContain('`milestone execute stuck` resumes it');

    // The person decides: cancel. Then nothing is left.
    expect((await repo.run(['cancel', 'stuck'])).code).toBe(0);
    const after = await doctor(repo);
    expect(after.code, JSON.stringify(after.report.findings)).toBe(0);
    expect(existsSync(storeFile(repo))).toBe(true);
  });
});
