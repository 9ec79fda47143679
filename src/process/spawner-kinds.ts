import { existsSync } from 'node:fs';

// Which spawner starts a task here, and what a request to each kind looks like (task-spawner.ts).

/** What a spawner can start: an argv, a directory, the whole environment the task gets. */
export interface SpawnRequest {
  argv: readonly [string, ...string[]];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Variables sh sets itself (on `cd`), so they are always stated for the task. */
export const SHELL_SET = ['PWD', 'OLDPWD'] as const;

/** How a spawner starts tasks: Python's `posix_spawn` with `setsid`, or sh plus `setsid(1)`. */
export type SpawnerKind = { type: 'python'; path: string } | { type: 'sh'; setsid: string };

let setsidPath: string | null | undefined;
/** Pythons that could not start a task (too old, broken): not asked again in this process. */
const unusablePythons = new Set<string>();

/** `setsid` (util-linux), which gives the task its own session and process group. */
function findSetsid(): string | null {
  if (setsidPath !== undefined) return setsidPath;
  setsidPath = null;
  if (process.platform !== 'linux' || !existsSync('/bin/sh')) return null;
  for (const path of ['/usr/bin/setsid', '/bin/setsid']) if (existsSync(path)) setsidPath = path;
  return setsidPath;
}

let pythonPath: string | null | undefined;

/** A system Python 3 (not a version manager's shim: a script that costs a whole start each time). */
function findPython(): string | null {
  if (pythonPath !== undefined) return pythonPath;
  pythonPath = null;
  if (process.platform !== 'linux') return null;
  for (const path of ['/usr/bin/python3', '/usr/local/bin/python3']) if (existsSync(path)) pythonPath = path;
  return pythonPath;
}

/**
 * The spawner to use: Python when there is one (`posix_spawn` with `POSIX_SPAWN_SETSID` copies
 * no page tables and execs only the task; an exec costs milliseconds on a virtual machine, and
 * sh needs `setsid(1)` as one more), else sh with `setsid`; `MILESTONE_TASK_SPAWN=sh` forces sh,
 * `MILESTONE_TASK_SPAWN=python=<path>` names the interpreter.
 * `null`: no spawner here.
 */
export function spawnerKind(): SpawnerKind | null {
  const mode = process.env.MILESTONE_TASK_SPAWN;
  if (mode === 'direct') return null;
  // `python=<path>`: that interpreter (tests give one that cannot start tasks).
  const python = mode?.startsWith('python=')
    ? mode.slice('python='.length)
    : mode === 'sh'
      ? null
      : findPython();
  if (python !== null && !unusablePythons.has(python)) return { type: 'python', path: python };
  const setsid = findSetsid();
  return setsid === null ? null : { type: 'sh', setsid };
}

/**
 * Whether `request` can go through a spawner: Linux with Python 3 or `setsid`, not turned off
 * (`MILESTONE_TASK_SPAWN=direct`), no NUL bytes, variable names sh can carry (dash drops other
 * names from the environment it passes on) and values that are well-formed UTF-16 (they travel
 * as JSON to Python).
 */
export function spawnerCanRun(request: SpawnRequest): boolean {
  if (spawnerKind() === null) return false;
  if (request.cwd.includes('\0') || request.argv.some((arg) => arg.includes('\0'))) return false;
  for (const [name, value] of Object.entries(request.env)) {
    if (!SHELL_NAME.test(name)) return false;
    if (value !== undefined && (value.includes('\0') || LONE_SURROGATE.test(value))) return false;
  }
  return true;
}

/**
 * The Python spawner: one JSON request per line on stdin, either a task (`argv`, `cwd`, `env`),
 * started with `posix_spawn` in its own session, stdin /dev/null, stderr to fd 4, fds 3 and 4
 * closed, reported as `s <pid>`, then `e <code>` or `k <signal>` (exact, from `waitpid`), or
 * `e nocd` / `e spawn <errno>`; or a fence: the nonce and a newline written to fds 1 and 4.
 */
export const PYTHON_SPAWNER = `
import os, sys, json
null = os.open('/dev/null', os.O_RDONLY)
def report(text):
    os.write(3, (text + '\\n').encode())
for line in sys.stdin.buffer:
    request = json.loads(line)
    fence = request.get('fence')
    if fence is not None:
        mark = (fence + '\\n').encode()
        os.write(1, mark)
        os.write(4, mark)
        continue
    try:
        os.chdir(request['cwd'])
    except OSError:
        report('e nocd')
        continue
    argv = request['argv']
    try:
        pid = os.posix_spawn(argv[0], argv, request['env'], setsid=True, file_actions=[
            (os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, 4, 2),
            (os.POSIX_SPAWN_CLOSE, 3), (os.POSIX_SPAWN_CLOSE, 4)])
    except OSError as error:
        os.chdir('/')
        report('e spawn %d' % error.errno)
        continue
    # Out of the task's worktree while it waits: a spawner is no user of the slot.
    os.chdir('/')
    report('s %d' % pid)
    status = os.waitpid(pid, 0)[1]
    if os.WIFSIGNALED(status):
        report('k %d' % os.WTERMSIG(status))
    else:
        report('e %d' % os.WEXITSTATUS(status))
`;

/** A Python spawner's request: the whole environment, so the task gets exactly it. */
export function pythonRequest(request: SpawnRequest): string {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.env)) if (value !== undefined) env[name] = value;
  return `${JSON.stringify({ argv: request.argv, cwd: request.cwd, env })}\n`;
}

/** `value` as one sh word. */
export function quote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Tells spawners of two kinds (and two Pythons) apart. */
export function kindKey(kind: SpawnerKind): string {
  return kind.type === 'python' ? `python:${kind.path}` : `sh:${kind.setsid}`;
}

/** A kind of spawner that could not start a task here: the next kind from now on. */
export function markUnusable(kind: SpawnerKind): void {
  if (kind.type === 'python') unusablePythons.add(kind.path);
  else setsidPath = null;
}
