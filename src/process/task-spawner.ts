import { AsyncResource } from 'node:async_hooks';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { FramedStream } from './framed-stream.js';
import { lowerPriorityOf, lowerSessionOf } from './run-priority.js';
import {
  kindKey,
  markUnusable,
  PYTHON_SPAWNER,
  pythonRequest,
  quote,
  SHELL_SET,
  type SpawnerKind,
  type SpawnRequest,
  spawnerKind,
} from './spawner-kinds.js';

/**
 * Task processes started by small long-lived spawner processes instead of by the coordinator.
 *
 * Why: a fork of the coordinator (a Node process of ~100 MB) cost it ~8-10 ms of CPU per task
 * process: the page tables are copied, every page it writes afterwards takes a copy-on-write
 * fault, and libuv and Node set up three pipes and their streams. A spawner starts the task for
 * a fraction of that, and the coordinator only writes a line and reads its reports.
 *
 * Two kinds: Python 3 (`/usr/bin/python3`), whose `os.posix_spawn(..., setsid=True)` neither
 * copies page tables (vfork) nor execs anything but the task, and reports exact exit codes and
 * signals; else `/bin/sh` (dash), which starts `setsid(1)` in the background, execing the task
 * (one exec more, ~5 ms of CPU on a virtual machine), and reports what `wait` says. Either way
 * the task is in its own session and process group (pgid = pid), as `detached: true` gives a
 * direct spawn, so every kill of the group works as before.
 *
 * Channels of a spawner: fd 0 its requests; fd 1 and fd 4 the tasks' stdout and stderr (one
 * task at a time per spawner, framed: once the task exited and its group was stopped, the
 * coordinator asks for a fence, `<nonce>\n` on both, and what came before belongs to the task;
 * a line break is never held back waiting for more bytes, as the nonce starts with none);
 * fd 3 the spawner's reports (`s <pid>`, `e <code>`, `k <signal>`); fd 2 /dev/null. Tasks get
 * stdin from /dev/null and neither fd 3 nor fd 4.
 *
 * What differs from a direct spawn: through sh, a death by signal n reads status 128+n; one
 * that matches a signal this side sent (timeout, abort, runaway) is reported as that signal, any
 * other as the exit code (a task killed by someone else reads `exit 137`, not `SIGKILL`).
 * A descendant that escaped its group (its own `setsid`) and still writes after the fence: what
 * arrives between tasks is dropped and its spawner retired; what arrives while the spawner runs
 * a later task would count as that task's output (a direct spawn drops it after 500 ms).
 */

/**
 * A task started by a spawner, shaped like the part of a `ChildProcess` that `runProcess`
 * uses: `pid`, `stdout`/`stderr` emitting `data`, and the events `spawn`, `exit`, `close`,
 * `error`. `close` comes after {@link fence}, once all of the task's output was delivered.
 */
export class SpawnedTask extends EventEmitter {
  pid: number | undefined;
  readonly stdout: FramedStream;
  readonly stderr: FramedStream;
  readonly stdin = null;
  exited = false;
  /** Signals sent to the task's group: a matching 128+n status is reported as that signal. */
  readonly sent = new Set<NodeJS.Signals>();

  /** Ends the task's output on both pipes (random per task: no task can print it by chance). */
  readonly nonce = randomBytes(16).toString('hex');
  /** The caller's async context: its listeners run there, not in the spawner's. */
  private readonly scope = new AsyncResource('MilestoneSpawnedTask');

  constructor(
    /** The spawner running it (another one when the first could not start it). */
    public spawner: Spawner,
    readonly request: SpawnRequest,
  ) {
    super();
    const marker = Buffer.from(`${this.nonce}\n`);
    this.stdout = new FramedStream(marker, this.scope);
    this.stderr = new FramedStream(marker, this.scope);
    let open = 2;
    const ended = () => {
      if (--open === 0) {
        this.spawner.taskDone(this);
        this.emit('close', null, null);
      }
    };
    this.stdout.once('end', ended);
    this.stderr.once('end', ended);
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    return this.scope.runInAsyncScope(() => super.emit(event, ...args));
  }

  /** After the task exited and its group is gone: ask for the markers that end its output. */
  fence(): void {
    this.spawner.fence(this);
  }

  /**
   * Signals the task's process group; before the task is known to have called `setsid`
   * (the group may not exist yet), the task's process itself. False when neither exists.
   */
  signal(signal: NodeJS.Signals | 0): boolean {
    if (this.pid === undefined) return false;
    if (signal !== 0) this.sent.add(signal);
    try {
      process.kill(-this.pid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPERM') return true;
    }
    // The pid is ours until the spawner reaps it, which it reports (`exited`).
    if (this.exited) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Anything with `ref`/`unref` (a child process, its pipes). */
interface Referable {
  ref(): void;
  unref(): void;
}

/** One long-lived spawner process (Python or `/bin/sh`) that starts tasks, one at a time. */
class Spawner {
  readonly child: ChildProcess;
  readonly base: NodeJS.ProcessEnv;
  task: SpawnedTask | null = null;
  alive = true;
  /** Output arrived outside a task's frame (a descendant that escaped its group): retire. */
  tainted = false;
  private control = '';
  /** Output of the current task that arrived before its pid was reported. */
  private readonly early: Array<['stdout' | 'stderr', Buffer]> = [];
  readonly exitedPromise: Promise<void>;

  constructor(
    readonly kind: SpawnerKind,
    /** The niceness its tasks run at (set on the spawner before its first task); `null`: ours. */
    readonly niceness: number | null,
    private readonly pool: TaskSpawnerPool,
  ) {
    this.base = { ...process.env };
    // Own process group: Ctrl-C on the terminal reaches the coordinator, which stops the run.
    // fd 2 is the spawner's own stderr (/dev/null), fd 4 the tasks' stderr.
    const [file, args] =
      kind.type === 'python' ? [kind.path, ['-I', '-S', '-c', PYTHON_SPAWNER]] : ['/bin/sh', []];
    const child = spawn(file, args, {
      env: this.base,
      stdio: ['pipe', 'pipe', 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    // Before any request is written: every task it starts inherits the niceness.
    if (niceness !== null && child.pid !== undefined) {
      lowerPriorityOf(child.pid, niceness);
      lowerSessionOf(child.pid, niceness);
    }
    child.stdin!.on('error', () => undefined);
    child.stdout!.on('data', (chunk: Buffer) => this.output(chunk, 'stdout'));
    (child.stdio[4] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => this.output(chunk, 'stderr'));
    const control = child.stdio[3] as NodeJS.ReadableStream;
    control.setEncoding('latin1');
    control.on('data', (text: string) => this.reports(text));
    this.exitedPromise = new Promise((done) => child.once('close', () => done()));
    child.once('error', () => {
      if (child.pid === undefined) this.gone();
    });
    // 'exit', not 'close': a task the dead spawner started still holds the output pipes open.
    child.once('exit', () => this.gone());
    this.setRef(false);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  start(request: SpawnRequest): SpawnedTask {
    return this.adopt(new SpawnedTask(this, request));
  }

  /** Runs `task` here (its first spawner, or the next one when the first could not run it). */
  adopt(task: SpawnedTask): SpawnedTask {
    task.spawner = this;
    this.task = task;
    this.setRef(true);
    this.child.stdin!.write(
      this.kind.type === 'python' ? pythonRequest(task.request) : this.shellRequest(task.request),
    );
    return task;
  }

  /**
   * The sh request: a background group that states the variables that differ from the
   * spawner's own (and those sh sets itself), then execs `setsid` with the argv.
   */
  private shellRequest(request: SpawnRequest): string {
    const exports: string[] = [];
    const unset: string[] = [];
    for (const [name, value] of Object.entries(request.env)) {
      if (
        value !== undefined &&
        (value !== this.base[name] || (SHELL_SET as readonly string[]).includes(name))
      )
        exports.push(`${name}=${quote(value)}`);
    }
    for (const name of Object.keys(this.base)) if (request.env[name] === undefined) unset.push(name);
    for (const name of SHELL_SET)
      if (request.env[name] === undefined && !unset.includes(name)) unset.push(name);
    const group = [
      unset.length > 0 ? `unset ${unset.join(' ')}; ` : '',
      exports.length > 0 ? `export ${exports.join(' ')}; ` : '',
      `exec ${(this.kind as { setsid: string }).setsid} ${request.argv.map(quote).join(' ')};`,
    ].join('');
    return (
      `if cd -P -- ${quote(request.cwd)} 2>/dev/null; then { ${group} } </dev/null 2>&4 3>&- 4>&- & ` +
      // Out of the task's worktree once it started: the spawner is no user of the slot.
      `cd /; echo "s $!" >&3; wait $!; echo "e $?" >&3; else echo "e nocd" >&3; fi\n`
    );
  }

  fence(task: SpawnedTask): void {
    if (this.task !== task || !this.alive) return;
    this.child.stdin!.write(
      this.kind.type === 'python'
        ? `${JSON.stringify({ fence: task.nonce })}\n`
        : `printf '%s\\n' ${task.nonce}; printf '%s\\n' ${task.nonce} >&4\n`,
    );
  }

  taskDone(task: SpawnedTask): void {
    if (this.task !== task) return;
    this.task = null;
    this.setRef(false);
    this.pool.idle(this);
  }

  endInput(): void {
    (this.child as unknown as Referable).ref();
    this.child.stdin!.end();
  }

  private output(chunk: Buffer, which: 'stdout' | 'stderr'): void {
    const task = this.task;
    if (task === null || task[which].done) {
      this.tainted = true;
      return;
    }
    // Output may overtake the pid's report (another pipe): it waits, so 'spawn' comes first.
    if (task.pid === undefined) this.early.push([which, chunk]);
    else if (task[which].push(chunk) !== null) this.tainted = true;
  }

  private reports(text: string): void {
    this.control += text;
    let newline = this.control.indexOf('\n');
    while (newline >= 0) {
      const line = this.control.slice(0, newline);
      this.control = this.control.slice(newline + 1);
      this.report(line);
      newline = this.control.indexOf('\n');
    }
  }

  private report(line: string): void {
    const task = this.task;
    if (task === null) return;
    const [kind, value = ''] = line.split(' ');
    if (kind === 's') {
      task.pid = Number(value);
      // Each task is a session of its own: its share among sessions (run-priority.ts).
      if (this.niceness !== null) lowerSessionOf(task.pid, this.niceness);
      task.emit('spawn');
      for (const [which, chunk] of this.early.splice(0)) this.output(chunk, which);
    } else if (kind === 'k') {
      task.exited = true;
      task.emit('exit', null, signalNamed(Number(value)) ?? 'SIGKILL');
    } else if (kind === 'e' && value === 'spawn') {
      const errno = Number(line.split(' ')[2]);
      const code = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? 'UNKNOWN';
      task.exited = true;
      task.emit('error', Object.assign(new Error(`cannot start: ${code}`), { code }));
      this.fence(task);
    } else if (kind === 'e' && value === 'nocd') {
      const error = Object.assign(new Error(`cannot enter the working directory`), { code: 'ENOENT' });
      task.exited = true;
      task.emit('error', error);
      // Nothing ran: the frame ends here (markers still flush nothing but keep the framing).
      this.fence(task);
    } else if (kind === 'e') {
      const status = Number(value);
      task.exited = true;
      const signal = status > 128 ? signalNamed(status - 128) : null;
      if (signal !== null && task.sent.has(signal)) task.emit('exit', null, signal);
      else task.emit('exit', status, null);
    }
  }

  private gone(): void {
    if (!this.alive) return;
    this.alive = false;
    this.pool.ended(this);
    const task = this.task;
    this.task = null;
    if (task === null) return;
    this.early.splice(0);
    if (task.pid === undefined) {
      // It never started the task (python too old, missing, killed): the sh spawner runs it.
      this.pool.unusable(this.kind);
      this.pool.restart(task);
      return;
    }
    // A task the dead spawner started would go on unsupervised: end its group.
    if (!task.exited) {
      task.signal('SIGKILL');
      task.exited = true;
      task.emit('exit', null, 'SIGKILL');
    }
    task.stdout.flush();
    task.stderr.flush();
  }

  private setRef(on: boolean): void {
    const handles = [
      this.child,
      this.child.stdin,
      this.child.stdout,
      this.child.stdio[3],
      this.child.stdio[4],
    ];
    for (const handle of handles) {
      const referable = handle as unknown as Referable | null;
      if (on) referable?.ref();
      else referable?.unref();
    }
  }
}

function signalNamed(number: number): NodeJS.Signals | null {
  for (const [name, value] of Object.entries(constants.signals))
    if (value === number) return name as NodeJS.Signals;
  return null;
}

/**
 * Spawners on demand, one per task running at once; idle ones hold no reference on the event
 * loop, and at `beforeExit` their input is closed and they are waited for (so they, and their
 * CPU, are reaped by the program). After a `kill -9` of the coordinator they read end of input
 * and exit once their task (if any) ended.
 */
class TaskSpawnerPool {
  private readonly spawners = new Set<Spawner>();
  private readonly free: Spawner[] = [];
  private watchingExit = false;

  /** Starts `request` at `niceness` (`null`: ours) in an idle spawner (a new one when none is idle). */
  start(request: SpawnRequest, niceness: number | null = null): SpawnedTask {
    return this.spawner(niceness).start(request);
  }

  /** Runs a task its spawner could not start in another one. */
  restart(task: SpawnedTask): void {
    if (spawnerKind() === null) {
      task.exited = true;
      task.emit('error', Object.assign(new Error('no task spawner could start'), { code: 'ESPAWNER' }));
      return;
    }
    this.spawner(task.spawner.niceness).adopt(task);
  }

  /** A kind of spawner that cannot start tasks here: the next kind from now on. */
  unusable(kind: SpawnerKind): void {
    markUnusable(kind);
  }

  private spawner(niceness: number | null): Spawner {
    const kind = spawnerKind()!;
    for (const stale of this.free.filter((s) => !s.alive || s.tainted || kindKey(s.kind) !== kindKey(kind)))
      this.free.splice(this.free.indexOf(stale), 1);
    // A spawner's niceness only ever goes up: one per niceness (a run's, and ours outside runs).
    const at = this.free.findLastIndex((s) => s.niceness === niceness);
    let spawner = at >= 0 ? this.free.splice(at, 1)[0] : undefined;
    if (!spawner) {
      spawner = new Spawner(kind, niceness, this);
      this.spawners.add(spawner);
      if (!this.watchingExit) {
        this.watchingExit = true;
        process.once('beforeExit', this.endAtExit);
      }
    }
    return spawner;
  }

  /** The process ids of the running spawners. */
  pids(): number[] {
    return [...this.spawners].flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
  }

  /** Closes every spawner's input and waits until they exited. */
  async close(): Promise<void> {
    const all = [...this.spawners];
    process.off('beforeExit', this.endAtExit);
    this.endAtExit();
    await Promise.all(all.map((s) => s.exitedPromise));
  }

  idle(spawner: Spawner): void {
    if (!spawner.alive) return;
    if (spawner.tainted || !this.watchingExit) spawner.endInput();
    else this.free.push(spawner);
  }

  ended(spawner: Spawner): void {
    this.spawners.delete(spawner);
    const at = this.free.indexOf(spawner);
    if (at >= 0) this.free.splice(at, 1);
  }

  private readonly endAtExit = (): void => {
    this.watchingExit = false;
    this.free.splice(0);
    for (const spawner of this.spawners) if (spawner.task === null) spawner.endInput();
  };
}

/** The process's spawners (task-spawner.ts): one pool per process. */
export const taskSpawners = new TaskSpawnerPool();
