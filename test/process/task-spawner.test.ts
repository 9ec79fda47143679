import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunProcessOptions, runProcess } from '../../src/process/run-process.js';
import { taskSpawners } from '../../src/process/task-spawner.js';
import { tempDir } from '../helpers/git-repo.js';
import { liveMembers } from './live-members.js';

const DIST_RUN_PROCESS = resolve(import.meta.dirname, '../../dist/process/run-process.js');

/** The spawner kind under test: `MILESTONE_TASK_SPAWN` for it (`undefined`: Python, the default). */
let kindSetting: string | undefined;

function useKind(): void {
  if (kindSetting === undefined) delete process.env.MILESTONE_TASK_SPAWN;
  else process.env.MILESTONE_TASK_SPAWN = kindSetting;
}

afterEach(() => {
  delete process.env.MILESTONE_TASK_SPAWN;
});

/** What a run left: its result, the lines seen, the log's bytes, and its pid. */
async function observe(options: RunProcessOptions) {
  const lines: string[] = [];
  let pid = 0;
  const result = await runProcess({
    ...options,
    onStdoutLine: (line) => lines.push(line),
    onStart: (p) => {
      pid = p;
    },
  });
  const { durationMs: _, ...rest } = result;
  return { result: rest, lines, log: readFileSync(options.logFile!), pid };
}

/** The same task command started directly and through a spawner (both with an attempt log). */
async function bothWays(file: string, options: Partial<RunProcessOptions> = {}) {
  const cwd = options.cwd ?? tempDir();
  // The switch itself must not show in the task's environment.
  const base = {
    file,
    args: [],
    shell: true,
    cwd,
    ...options,
    env: { ...options.env, MILESTONE_TASK_SPAWN: undefined },
  };
  process.env.MILESTONE_TASK_SPAWN = 'direct';
  const direct = await observe({ ...base, logFile: join(tempDir(), 'direct.log') });
  useKind();
  const before = new Set(taskSpawners.pids());
  const spawned = await observe({ ...base, logFile: join(tempDir(), 'spawned.log') });
  return { direct, spawned, spawners: taskSpawners.pids(), before };
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pid's parent, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe.each([
  { kind: 'python (posix_spawn with setsid)', setting: undefined },
  { kind: 'sh (with setsid(1))', setting: 'sh' },
])('task spawner: $kind', ({ setting }) => {
  beforeEach(() => {
    kindSetting = setting;
    useKind();
  });

  it('gives the same output, lines, log, exit code and environment as a direct spawn, byte for byte', async () => {
    // Output that ends without a newline, a line of the marker's shape, CRs, UTF-8 cut anywhere,
    // stderr interleaved, the environment (PWD and OLDPWD included) and a non-zero exit.
    const script = [
      `printf 'first\\r\\nsecond\\n\\n%s\\n' 0123456789abcdef0123456789abcdef`,
      `printf 'to stderr\\n' >&2`,
      `printf 'h\\303\\251llo w\\303\\266rld \\360\\237\\230\\200\\n'`,
      'env | LC_ALL=C sort',
      `pwd; printf 'no newline at the end'`,
      'exit 3',
    ].join('; ');
    const { direct, spawned, spawners } = await bothWays(script, {
      env: { MILESTONE_TASK_ID: 'it\'s "quoted" $HOME `x`', REMOVED_ONE: undefined, HOME: '/elsewhere' },
    });
    expect(spawned.result).toEqual(direct.result);
    expect(spawned.result.exitCode).toBe(3);
    expect(spawned.lines).toEqual(direct.lines);
    // Stdout and stderr are two pipes: their lines interleave in the log as they are read.
    const ordered = (log: Buffer) => log.toString('utf8').split('\n').sort();
    expect(ordered(spawned.log)).toEqual(ordered(direct.log));
    expect(spawned.log.length).toBe(direct.log.length);
    expect(spawned.lines).toContain('MILESTONE_TASK_ID=it\'s "quoted" $HOME `x`');
    expect(spawned.lines.at(-1)).toBe('no newline at the end');
    // It really went through a spawner: the task's parent was one of them.
    expect(spawners.length).toBeGreaterThan(0);
  });

  it('starts the task as a child of a spawner, in its own process group and session', async () => {
    const cwd = tempDir();
    const logFile = join(cwd, 'a.log');
    let seen = '';
    const result = await runProcess({
      file: 'ps -o pid=,pgid=,sid=,ppid= -p $$',
      args: [],
      shell: true,
      cwd,
      logFile,
      onStdoutLine: (line) => {
        seen = line;
      },
    });
    expect(result.exitCode).toBe(0);
    const [pid, pgid, sid, ppid] = seen.trim().split(/\s+/).map(Number);
    expect(pgid).toBe(pid);
    expect(sid).toBe(pid);
    expect(taskSpawners.pids()).toContain(ppid);
    expect(ppid).not.toBe(process.pid);
  });

  it('kills the whole process group on timeout and reports it as a direct spawn does', async () => {
    const { direct, spawned } = await bothWays('sleep 100 & sleep 100 & wait', {
      timeoutMs: 300,
      graceMs: 2000,
    });
    expect(spawned.result).toEqual(direct.result);
    expect(spawned.result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGTERM' });
    expect(await liveMembers(spawned.pid)).toEqual([]);
  });

  it('uses SIGKILL on a group that ignores SIGTERM, and stops descendants left after the exit', async () => {
    // The group ignores SIGTERM only once its shell ran `trap`: on a busy machine the timeout
    // may come first, and that run proves nothing; it runs again with a longer timeout.
    for (let timeoutMs = 200; ; timeoutMs *= 4) {
      const cwd = tempDir();
      const stubborn = await bothWays("trap '' TERM; : > trapped-$$; sleep 100 & wait; sleep 100", {
        cwd,
        timeoutMs,
        graceMs: 300,
      });
      expect(await liveMembers(stubborn.spawned.pid)).toEqual([]);
      if (!existsSync(join(cwd, `trapped-${stubborn.spawned.pid}`))) {
        expect(stubborn.spawned.result).toMatchObject({ timedOut: true });
        expect(timeoutMs, 'the shell never got to its trap').toBeLessThan(60_000);
        continue;
      }
      expect(stubborn.spawned.result).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
      break;
    }
    const left = await bothWays('sleep 100 >/dev/null 2>&1 & echo started');
    expect(left.spawned.result).toEqual(left.direct.result);
    expect(await liveMembers(left.spawned.pid)).toEqual([]);
  });

  it('stops the task on abort, also when the abort comes before the spawner reported the pid', async () => {
    const cwd = tempDir();
    const controller = new AbortController();
    const running = runProcess({
      file: 'sleep 100',
      args: [],
      shell: true,
      cwd,
      logFile: join(cwd, 'a.log'),
      signal: controller.signal,
    });
    // Aborted in the same turn: the spawner has not even read the request yet.
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ canceled: true, exitCode: null, signal: 'SIGTERM' });
  });

  it('reports a death by a signal nobody here sent exactly (python), or as sh does: exit code 128+n', async () => {
    const { direct, spawned } = await bothWays('kill -9 $$');
    expect(direct.result).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    if (setting === 'sh') expect(spawned.result).toMatchObject({ exitCode: 137, signal: null });
    else expect(spawned.result).toEqual(direct.result);
  });

  it('goes on with a fresh spawner when one dies in the middle of a task, and reports the task killed', async () => {
    const cwd = tempDir();
    let pid = 0;
    const running = runProcess({
      file: 'echo started; sleep 100',
      args: [],
      shell: true,
      cwd,
      logFile: join(cwd, 'a.log'),
      onStart: (p) => {
        pid = p;
      },
      onStdoutLine: () => {
        process.kill(parentOf(pid), 'SIGKILL');
      },
    });
    const result = await running;
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect(result.stdoutTail).toBe('started\n');
    expect(await liveMembers(pid)).toEqual([]);
    const next = await observe({
      file: 'echo again',
      args: [],
      shell: true,
      cwd,
      logFile: join(cwd, 'b.log'),
    });
    expect(next.lines).toEqual(['again']);
  });

  it('leaves no spawner behind when its program exits, or is killed with SIGKILL', async () => {
    const cwd = tempDir();
    const script = join(cwd, 'runs-tasks.mjs');
    writeFileSync(
      script,
      `import { runProcess } from ${JSON.stringify(DIST_RUN_PROCESS)};
import { taskSpawners } from ${JSON.stringify(DIST_RUN_PROCESS.replace('run-process.js', 'task-spawner.js'))};
const cwd = process.argv[2];
await Promise.all([1, 2, 3].map((i) => runProcess({ file: 'echo ' + i, args: [], shell: true, cwd, logFile: cwd + '/log' + i })));
console.log(JSON.stringify(taskSpawners.pids()));
if (process.argv[3] === 'hold') setInterval(() => {}, 60_000);
`,
    );
    const run = (hold: boolean) => {
      const child = spawn(process.execPath, [script, cwd, ...(hold ? ['hold'] : [])], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: process.env,
      });
      const exited = new Promise<number | null>((done) => child.once('exit', done));
      const pids = new Promise<number[]>((done) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('\n')) done(JSON.parse(out) as number[]);
        });
      });
      return { child, exited, pids };
    };
    const ends = run(false);
    const ended = await ends.pids;
    expect(await ends.exited).toBe(0);
    expect(ended.length).toBe(3);
    expect(ended.filter(alive)).toEqual([]);

    const killed = run(true);
    const held = await killed.pids;
    expect(held.every(alive)).toBe(true);
    killed.child.kill('SIGKILL');
    await killed.exited;
    for (let i = 0; i < 300 && held.some(alive); i++) await pause(100);
    expect(held.filter(alive)).toEqual([]);
  });

  it('leaves calls without an attempt log, with input, or with MILESTONE_TASK_SPAWN=direct to a direct spawn', async () => {
    const cwd = tempDir();
    const parent = async (options: Partial<RunProcessOptions>) => {
      let line = '';
      await runProcess({
        file: 'echo $PPID',
        args: [],
        shell: true,
        cwd,
        onStdoutLine: (l) => {
          line = l;
        },
        ...options,
      });
      return Number(line);
    };
    expect(await parent({})).toBe(process.pid);
    expect(await parent({ logFile: join(cwd, 'a.log'), input: 'x' })).toBe(process.pid);
    process.env.MILESTONE_TASK_SPAWN = 'direct';
    expect(await parent({ logFile: join(cwd, 'b.log') })).toBe(process.pid);
    useKind();
    expect(await parent({ logFile: join(cwd, 'c.log') })).not.toBe(process.pid);
  });
});

describe('task spawner fallback', () => {
  it('runs the task through sh when the Python spawner cannot start it, and leaves that Python alone after', async () => {
    const dir = tempDir();
    // A "python" that exits at once, as one too old for posix_spawn's setsid would on its first request.
    const python = join(dir, 'python3');
    writeFileSync(python, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    process.env.MILESTONE_TASK_SPAWN = `python=${python}`;
    for (const name of ['a', 'b']) {
      const seen = await observe({
        file: 'echo ran; ps -o comm= -p $PPID',
        args: [],
        shell: true,
        cwd: dir,
        logFile: join(dir, `${name}.log`),
      });
      expect(seen.result).toMatchObject({ exitCode: 0, signal: null });
      // Started by the sh spawner (dash), in its own group, output intact.
      expect(seen.lines).toEqual(['ran', 'sh']);
      expect(await liveMembers(seen.pid)).toEqual([]);
    }
  });
});
