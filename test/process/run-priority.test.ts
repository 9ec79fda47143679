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

describe('lowerOwnPriority', () => {
  it('lowers every thread of the process, never raises, and what it starts inherits it', async () => {
    // In a child node process: lowering the test worker itself could not be undone.
    const script = `
      import { readdirSync, readFileSync } from 'node:fs';
      import { execFileSync } from 'node:child_process';
      import { lowerOwnPriority, runNiceness } from ${JSON.stringify(join(CLI, '../../process/run-priority.js'))};
      const nice = (path) => Number(readFileSync(path, 'utf8').split(') ')[1].split(' ')[16]);
      const threads = () => readdirSync('/proc/self/task').map((t) => nice('/proc/self/task/' + t + '/stat'));
      const before = threads();
      const now = lowerOwnPriority(4);
      const again = lowerOwnPriority(4);
      const child = Number(execFileSync('/bin/sh', ['-c', ${JSON.stringify(PRINT_NICENESS)}], { encoding: 'utf8' }));
      console.log(JSON.stringify({ before, now, again, after: threads(), child, run: runNiceness(4) }));
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
  });
});
