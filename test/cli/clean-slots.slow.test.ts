import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { git, tempDir } from '../helpers/git-repo.js';
import { exited, KILL_COORDINATOR, milestoneRepo } from '../helpers/milestone-repo.js';

/** The admin folder (`.git/worktrees/<name>`) of a linked worktree. */
function adminOf(worktree: string): string {
  return readFileSync(join(worktree, '.git'), 'utf8')
    .replace(/^gitdir: /, '')
    .trim();
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Tasks that each wait until all of them run: the run needs one slot per task. */
function together(n: number, dir: string) {
  return Array.from({ length: n }, (_, i) => ({
    id: `t${i + 1}`,
    title: `Together ${i + 1}`,
    files: [`t${i + 1}.txt`],
    run: `touch '${dir}/t${i + 1}'; while [ $(ls '${dir}' | wc -l) -lt ${n} ]; do sleep 0.05; done; echo ${i + 1} > t${i + 1}.txt`,
  }));
}

// `milestone clean` removed every slot whose `.lock` no live run held, whatever else was in it:
// a git still running there (its `index.lock` pulled from under it), a person's uncommitted
// edits. It now keeps those and says why, naming the slot and the lock; lock files nothing holds
// go with their slot, named; an interrupted task's uncommitted changes go, listed.
describe('clean and the slots something holds', () => {
  it('keeps a live run’s slot, one a live git holds locked and one with edits; removes the stale one', async () => {
    const repo = await milestoneRepo({ 'README.md': 'hi\n' });
    const barrier = tempDir('milestone-barrier-');
    const planned = await repo.plan({
      version: 1,
      milestone: 'Four slots',
      id: 'four',
      defaults: { agent: 'shell', retries: 0 },
      tasks: together(4, barrier),
    });
    expect(planned.code, planned.stderr).toBe(0);
    const first = await repo.run(['execute', 'four', '--mode', 'agents', '--concurrency', '4']);
    expect(first.code, first.stderr).toBe(0);
    const slots = repo.slots().sort();
    expect(slots.map((s) => s.split('/').pop())).toEqual(['_slot-1', '_slot-2', '_slot-3', '_slot-4']);

    // A second milestone's run, alive, holding one slot (the first free one: _slot-1).
    const gate = join(tempDir('milestone-gate-'), 'open');
    const livePlan = await repo.plan({
      version: 1,
      milestone: 'Live',
      id: 'live',
      defaults: { agent: 'shell', retries: 0 },
      tasks: [
        {
          id: 'wait',
          title: 'Wait',
          files: ['w.txt'],
          run: `while [ ! -e '${gate}' ]; do sleep 0.05; done; echo w > w.txt`,
        },
      ],
    });
    expect(livePlan.code, livePlan.stderr).toBe(0);
    const live = repo.spawn(['execute', 'live']);
    await until(() => existsSync(`${slots[0]}.lock`), 'the live run to hold _slot-1');
    const liveLock = JSON.parse(readFileSync(`${slots[0]}.lock`, 'utf8')) as { pid: number };

    // _slot-2: a real git holding the slot's index.lock (`git add` through a slow clean filter).
    const [liveSlot, held, edited, stale] = slots as [string, string, string, string];
    const attributes = join(tempDir('milestone-attr-'), 'attributes');
    writeFileSync(attributes, 'big.txt filter=slow\n');
    writeFileSync(join(held, 'big.txt'), 'data\n');
    const holder: ChildProcess = spawn(
      'git',
      ['-c', `core.attributesFile=${attributes}`, '-c', 'filter.slow.clean=sleep 120; cat', 'add', 'big.txt'],
      // Its own group: killed with the filter it runs (a `sh` and a `sleep` in the slot too).
      { cwd: held, stdio: 'ignore', detached: true },
    );
    const heldLock = join(adminOf(held), 'index.lock');
    await until(() => existsSync(heldLock), 'git add to take index.lock');

    // _slot-3: a person's edits. _slot-4: an index.lock no process holds (a git killed long ago).
    writeFileSync(join(edited, 'README.md'), 'changed by hand\n');
    writeFileSync(join(edited, 'notes.txt'), 'mine\n');
    const staleLock = join(adminOf(stale), 'index.lock');
    writeFileSync(staleLock, '');

    try {
      const dry = await repo.run(['clean', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`would remove worktree ${stale}\n  with the stale lock ${staleLock}`);
      expect(existsSync(stale)).toBe(true);

      const cleaned = await repo.run(['clean']);
      expect(cleaned.code, cleaned.stderr).toBe(0);
      const out = cleaned.stdout;
      expect(out).toContain(
        `kept worktree ${slots[0]}: held by the run of milestone live (pid ${liveLock.pid}): lock ${slots[0]}.lock`,
      );
      expect(out).toContain(`kept worktree ${held}: in use by git (pid ${holder.pid})`);
      expect(out).toContain(`sleep (pid`);
      expect(out).toContain(`holding ${heldLock}`);
      expect(out).toMatch(
        new RegExp(
          `kept worktree ${edited}: uncommitted changes of four/t3 \\(succeeded\\): (README.md, notes.txt|notes.txt, README.md);`,
        ),
      );
      expect(out).toContain(
        `removed worktree ${stale}\n  with the stale lock ${staleLock} (no live process held it)`,
      );
      expect(existsSync(held) && existsSync(heldLock) && existsSync(edited) && existsSync(liveSlot)).toBe(
        true,
      );
      expect(readFileSync(join(edited, 'notes.txt'), 'utf8')).toBe('mine\n');
      expect(existsSync(stale)).toBe(false);
      expect(await git(repo.root, 'worktree', 'list')).not.toContain(stale);
      expect(holder.exitCode).toBeNull();
    } finally {
      process.kill(-holder.pid!, 'SIGKILL');
      writeFileSync(gate, '');
    }
    await exited(holder);
    expect(await live.closed).toBe(0);

    // The git is gone (its index.lock now stale), the edits discarded, the run over: all go.
    await git(edited, 'checkout', '--', 'README.md');
    await git(edited, 'clean', '-fdq');
    rmSync(join(held, 'big.txt'));
    const again = await repo.run(['clean']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      `removed worktree ${held}\n  with the stale lock ${heldLock} (no live process held it)`,
    );
    expect(again.stdout).not.toContain('kept worktree');
    expect(repo.slots()).toEqual([]);
    expect((await git(repo.root, 'worktree', 'list')).split('\n')).toHaveLength(1);
  });

  it('drops an interrupted task’s uncommitted changes with its slot and lists them; keeps a failed task’s branch', async () => {
    const repo = await milestoneRepo({ 'README.md': 'hi\n' });
    const marker = join(tempDir('milestone-kill-'), 'killed');
    const planned = await repo.plan({
      version: 1,
      milestone: 'Killed',
      id: 'kd',
      defaults: { agent: 'shell', retries: 0 },
      tasks: [{ id: 'bad', title: 'Fails', files: ['bad.txt'], run: 'echo half > bad.txt; exit 3' }],
    });
    expect(planned.code, planned.stderr).toBe(0);
    // `bad` fails: what it left uncommitted is committed as wip on its branch.
    const failed = await repo.run(['execute', 'kd', '--mode', 'agents']);
    expect(failed.code).toBe(1);
    expect(await git(repo.root, 'log', '-1', '--format=%s', 'milestone/kd.tasks/bad')).toMatch(/\(failed\)$/);
    // Another milestone's task, killed with its coordinator mid-task.
    const second = await repo.plan({
      version: 1,
      milestone: 'Killed 2',
      id: 'kd2',
      defaults: { agent: 'shell', retries: 0 },
      tasks: [
        {
          id: 'a',
          title: 'Killed mid-task',
          files: ['partial.txt'],
          // The kill waits 2 s: the coordinator records the agent's process group (what clean finds
          // orphans by) just after starting it, which a busy machine can delay past an instant kill.
          run: `touch '${marker}'; echo half > partial.txt; sleep 2; ${KILL_COORDINATOR}; sleep 60`,
        },
      ],
    });
    expect(second.code, second.stderr).toBe(0);
    const killed = await repo.run(['execute', 'kd2', '--mode', 'agents']);
    expect(killed.code).not.toBe(0);
    expect(existsSync(marker)).toBe(true);
    const slot = repo.slots().find((s) => existsSync(join(s, 'partial.txt')));
    expect(slot).toBeDefined();

    const cleaned = await repo.run(['clean']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain('stopped the orphaned agent of kd2/a');
    expect(cleaned.stdout).toContain(
      `removed worktree ${slot}\n  with the stale lock ${slot}.lock (no live process held it)\n  with the uncommitted changes of kd2/a (interrupted: the next execute runs it again from the start): partial.txt`,
    );
    expect(existsSync(slot!)).toBe(false);
    // The failed task's branch, with what it did, stays; the interrupted one's goes.
    expect(await git(repo.root, 'branch', '--list', 'milestone/kd.tasks/*')).toContain(
      'milestone/kd.tasks/bad',
    );
    expect(await git(repo.root, 'branch', '--list', 'milestone/kd2.tasks/*')).toBe('');
  });
});
