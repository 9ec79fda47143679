import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withProcessLimits } from '../../src/process/process-limits.js';
import { ownNiceness } from '../../src/process/run-priority.js';
import { runProcess } from '../../src/process/run-process.js';
import { runAsync } from '../helpers/async-cli.js';
import { CLI, tempDir } from '../helpers/git-repo.js';

// Field 19 of /proc/<pid>/stat is the niceness; the shell's own pid is `$$` (comm is "sh").
const PRINT_NICENESS = "awk '{ print $19 }' /proc/$$/stat";

const LIMITS = { logMaxBytes: null, outputMaxBytes: null, maxProcesses: null, memoryBytes: null };

async function nicenessOfTask(niceness: number | null): Promise<number> {
  const dir = tempDir();
  const result = await withProcessLimits({ ...LIMITS, niceness }, () =>
    runProcess({ file: PRINT_NICENESS, args: [], shell: true, cwd: dir, logFile: join(dir, 'attempt.log') }),
  );
  expect(result.exitCode, result.stderrTail).toBe(0);
  return Number(result.stdoutTail.trim());
}

/**
 * The niceness of this process's session (its autogroup), or `null` where it has none: no
 * autogroups, or a session in the kernel's default group (never started with setsid since boot,
 * as PID 1's and a CI runner's started by it), whose file the kernel leaves empty.
 */
function ownSessionNiceness(): number | null {
  if (!existsSync('/proc/self/autogroup')) return null;
  const found = / nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'));
  return found ? Number(found[1]) : null;
}

const spawnMode = process.env.MILESTONE_TASK_SPAWN;
afterEach(() => {
  if (spawnMode === undefined) delete process.env.MILESTONE_TASK_SPAWN;
  else process.env.MILESTONE_TASK_SPAWN = spawnMode;
});

describe('task processes at the run niceness (config limits.nice)', () => {
  const own = ownNiceness();
  const target = Math.min(19, own + 3);

  for (const mode of ['python', 'sh', 'direct'] as const) {
    it(`a ${mode} start runs the task at the run's niceness, and a task outside a run at ours`, async () => {
      if (mode === 'sh') process.env.MILESTONE_TASK_SPAWN = 'sh';
      else if (mode === 'direct') process.env.MILESTONE_TASK_SPAWN = 'direct';
      else delete process.env.MILESTONE_TASK_SPAWN;
      expect(await nicenessOfTask(target)).toBe(target);
      // A spawner keeps the niceness it was given: the next task without one gets another spawner.
      expect(await nicenessOfTask(null)).toBe(own);
      expect(await nicenessOfTask(target)).toBe(target);
    });
  }
});

// The niceness of the task's session (its autogroup: "/autogroup-12 nice 3"), once it is `want`
// (the coordinator sets it just after the start, and an unprivileged write may wait for another's
// 100 ms), or as it is after `tenths` tenths of a second.
const SESSION_NICENESS = (want: number, tenths: number) =>
  `i=0; while [ $i -lt ${tenths} ] && [ "$(cut -d' ' -f3 /proc/$$/autogroup)" != ${want} ]; do sleep 0.1; i=$((i + 1)); done; cut -d' ' -f3 /proc/$$/autogroup`;

async function sessionNicenessOfTask(niceness: number | null, want: number, tenths: number): Promise<number> {
  const dir = tempDir();
  const result = await withProcessLimits({ ...LIMITS, niceness }, () =>
    runProcess({
      file: SESSION_NICENESS(want, tenths),
      args: [],
      shell: true,
      cwd: dir,
      logFile: join(dir, 'attempt.log'),
    }),
  );
  expect(result.exitCode, result.stderrTail).toBe(0);
  return Number(result.stdoutTail.trim());
}

// Linux with autogroups: the CPU is shared between sessions first, so a task (a session of its
// own) must be nice as a session too, or it takes as much of a core as a command typed meanwhile.
describe.skipIf(!existsSync('/proc/self/autogroup'))('task sessions at the run niceness (autogroups)', () => {
  const target = Math.min(19, ownNiceness() + 3);

  for (const mode of ['python', 'sh', 'direct'] as const) {
    it(`a ${mode} start puts the task's session at the run's niceness, and a task outside a run at 0`, async () => {
      if (mode === 'sh') process.env.MILESTONE_TASK_SPAWN = 'sh';
      else if (mode === 'direct') process.env.MILESTONE_TASK_SPAWN = 'direct';
      else delete process.env.MILESTONE_TASK_SPAWN;
      expect(await sessionNicenessOfTask(target, target, 50)).toBe(target);
      // Nothing sets it here (its 1 s waited out): a session starts at 0 and stays there.
      expect(await sessionNicenessOfTask(null, target, 10)).toBe(0);
    });
  }
});

describe('lowerOwnPriority', () => {
  it('lowers every thread of the process, never raises, and what it starts inherits it', async () => {
    // In a child node process: lowering the test worker itself could not be undone.
    const script = `
      import { existsSync, readdirSync, readFileSync } from 'node:fs';
      import { execFileSync, spawn } from 'node:child_process';
      import { setTimeout as sleep } from 'node:timers/promises';
      import { lowerOwnPriority, runNiceness, runSessionNiceness } from ${JSON.stringify(join(CLI, '../../process/run-priority.js'))};
      const nice = (path) => Number(readFileSync(path, 'utf8').split(') ')[1].split(' ')[16]);
      const threads = () => readdirSync('/proc/self/task').map((t) => nice('/proc/self/task/' + t + '/stat'));
      const before = threads();
      // A session of its own started before (as the git shells): its autogroup, where there are.
      const shell = spawn('/bin/sleep', ['30'], { detached: true, stdio: 'ignore' });
      const sessionNice = () => existsSync('/proc/self/autogroup') ? Number(readFileSync('/proc/' + shell.pid + '/autogroup', 'utf8').split(' nice ')[1]) : null;
      const sessionBefore = sessionNice();
      const sessionRun = runSessionNiceness();
      const now = lowerOwnPriority(4);
      const again = lowerOwnPriority(4);
      const child = Number(execFileSync('/bin/sh', ['-c', ${JSON.stringify(PRINT_NICENESS)}], { encoding: 'utf8' }));
      // An unprivileged write may have to wait for another's 100 ms: tried again 110 ms later.
      for (let i = 0; i < 30 && sessionNice() !== null && sessionNice() < runNiceness(4); i++) await sleep(100);
      const session = [sessionBefore, sessionNice(), sessionRun, runSessionNiceness()];
      // This process does not lead its session (the test's shell does): left alone.
      // Empty in the kernel's default group (a session never started with setsid since boot).
      const found = existsSync('/proc/self/autogroup') ? / nice (-?[0-9]+)/.exec(readFileSync('/proc/self/autogroup', 'utf8')) : null;
      const ownSession = found ? Number(found[1]) : null;
      shell.kill();
      console.log(JSON.stringify({ before, now, again, after: threads(), child, run: runNiceness(4), session, ownSession }));
    `;
    const result = await runAsync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tempDir(),
    });
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout) as {
      before: number[];
      now: number | null;
      again: number | null;
      after: number[];
      child: number;
      run: number;
      session: Array<number | null>;
      ownSession: number | null;
    };
    const own = seen.before[0]!;
    const target = Math.min(19, own + 4);
    // Node runs several threads (V8's workers, libuv): every one is lowered, not only the main one.
    expect(seen.before.length).toBeGreaterThan(1);
    expect(seen.after).toEqual(seen.before.map(() => target));
    expect(seen.now).toBe(own < 19 ? target : null);
    // Already that nice: nothing to do, and the run's niceness stays counted from the start.
    expect(seen.again).toBeNull();
    expect(seen.run).toBe(target);
    expect(seen.child).toBe(target);
    // The session started before is lowered too (where the kernel has autogroups), and so is the
    // niceness a session started later for the run gets (the git shells: shell-pool.ts).
    const sessions = existsSync('/proc/self/autogroup') ? [0, target] : [null, null];
    expect(seen.session).toEqual([...sessions, null, target]);
    expect(seen.ownSession).toBe(ownSessionNiceness());
  });

  it.skipIf(!existsSync('/proc/self/autogroup'))(
    'lowers its own session where it leads one (started detached), and no other',
    async () => {
      const script = `
        import { readFileSync } from 'node:fs';
        import { lowerOwnPriority, runNiceness } from ${JSON.stringify(join(CLI, '../../process/run-priority.js'))};
        const session = () => Number(readFileSync('/proc/self/autogroup', 'utf8').split(' nice ')[1]);
        const before = session();
        lowerOwnPriority(4);
        // An unprivileged write may have to wait for another's 100 ms: tried again 110 ms later.
        for (let i = 0; i < 30 && session() < runNiceness(4); i++) await new Promise((done) => setTimeout(done, 100));
        console.log(JSON.stringify({ before, after: session(), run: runNiceness(4) }));
      `;
      // detached: setsid, so the node process leads a session of its own (as a run the dashboard starts).
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        cwd: tempDir(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const code = await new Promise((done) => child.on('close', done));
      expect(code, stderr).toBe(0);
      const seen = JSON.parse(stdout) as { before: number; after: number; run: number };
      expect(seen.before).toBe(0);
      expect(seen.after).toBe(seen.run);
    },
  );
});
