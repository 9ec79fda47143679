import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';
import { lowerRunSession } from '../process/run-priority.js';

/** One git invocation run by a pooled shell. */
export interface ShellGitCommand {
  /** Absolute directory git runs in. */
  cwd: string;
  /** The git arguments (without `git`). */
  args: readonly string[];
  /** Git's stdin (piped from the shell's `printf`); otherwise `/dev/null`. */
  input?: string;
  /** Over the shell's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
}

/**
 * What became of a command: git ran and exited with `status` (a death by signal n shows as
 * 128+n: sh reports it so), or git never ran (`cwd`: the shell could not enter the directory;
 * `git`: no git on PATH; `shell`: no shell could start), so a direct spawn may report why.
 */
export type ShellGitOutcome =
  | { ran: true; stdout: Buffer; stderr: Buffer; status: number }
  | { ran: false; why: 'cwd' | 'git' | 'shell' };

/** Options of a {@link ShellPool}. */
export interface ShellPoolOptions {
  /** The shells' environment; read per call, and a different object retires the running shells. */
  env: () => NodeJS.ProcessEnv;
  /** Most shells at once; further calls wait for one. Default 8. */
  maxShells?: number;
}

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether `command` can pass through sh: no NUL byte (a shell word cannot hold one), variable
 * names that are shell names, and no per-call PATH (the shell looks git up with its own).
 */
export function shellCanRun(command: ShellGitCommand): boolean {
  if (command.cwd.includes('\0') || command.args.some((arg) => arg.includes('\0'))) return false;
  if (command.input?.includes('\0')) return false;
  for (const [name, value] of Object.entries(command.env ?? {})) {
    if (!SHELL_NAME.test(name) || name === 'PATH' || value?.includes('\0')) return false;
  }
  return true;
}

/** `value` as one sh word: single quotes, each `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

interface Job {
  command: ShellGitCommand;
  resolve: (outcome: ShellGitOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * Long-lived `/bin/sh` processes that run git for the caller, one command at a time each: the
 * caller (a node process of a hundred MB, whose every fork costs ~10 ms of CPU and blocks its
 * event loop) writes a line, and the shell (2 MB, cheap to fork) starts git. Git runs in the
 * foreground, so its shell reaps it. The pool grows on demand up to `maxShells`, then queues.
 * Idle shells hold no reference on the event loop, so a program ends when its work does; when
 * it ends (even by `kill -9`) the shells read end of input and exit.
 */
export class ShellPool {
  private readonly shells = new Set<PooledShell>();
  private readonly idle: PooledShell[] = [];
  private readonly queue: Job[] = [];
  private env: NodeJS.ProcessEnv | null = null;
  private broken = false;
  private watchingExit = false;

  constructor(private readonly options: ShellPoolOptions) {}

  /** Runs `git <args>` in a shell of the pool (see {@link shellCanRun} for what it accepts). */
  run(command: ShellGitCommand): Promise<ShellGitOutcome> {
    if (this.broken) return Promise.resolve({ ran: false, why: 'shell' });
    const env = this.options.env();
    if (env !== this.env) {
      this.env = env;
      // Shells started with another environment end (input closed); busy ones after their call.
      for (const shell of this.idle.splice(0)) this.retire(shell);
    }
    return new Promise<ShellGitOutcome>((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      this.dispatch();
    });
  }

  /** The process ids of the running shells. */
  pids(): number[] {
    return [...this.shells].flatMap((shell) => (shell.pid === undefined ? [] : [shell.pid]));
  }

  /** Ends every shell (input closed) once its call is done, and waits until they exited. */
  async close(): Promise<void> {
    const shells = [...this.shells];
    process.off('beforeExit', this.endAtExit);
    this.endAtExit();
    await Promise.all(shells.map((shell) => shell.exited));
  }

  /**
   * At `beforeExit` (the program's work is done): ends the shells and holds the event loop
   * until they exited, so the program reaps them: their CPU (and their git children's) counts
   * in its own, and none outlives it.
   */
  private readonly endAtExit = (): void => {
    this.watchingExit = false;
    this.idle.splice(0);
    for (const shell of this.shells) this.retire(shell);
  };

  private dispatch(): void {
    while (this.queue.length > 0) {
      let shell = this.idle.pop();
      if (shell === undefined) {
        let active = 0;
        for (const each of this.shells) if (!each.retiring) active++;
        if (active >= (this.options.maxShells ?? 8)) return;
        const started = this.start();
        if (started === null) {
          // The fork itself failed (EAGAIN...): this call takes the direct spawn, which reports it.
          this.queue.shift()!.resolve({ ran: false, why: 'shell' });
          continue;
        }
        shell = started;
      }
      shell.run(this.queue.shift()!);
    }
  }

  private start(): PooledShell | null {
    let shell: PooledShell;
    try {
      shell = new PooledShell(this.env ?? this.options.env(), {
        settled: (done) => this.settled(done),
        ended: (done) => {
          this.shells.delete(done);
          const at = this.idle.indexOf(done);
          if (at >= 0) this.idle.splice(at, 1);
          this.dispatch();
        },
        unavailable: () => {
          // No shell can start here (no /bin/sh): every call takes the direct spawn from now on.
          this.broken = true;
          for (const job of this.queue.splice(0)) job.resolve({ ran: false, why: 'shell' });
        },
      });
    } catch {
      return null;
    }
    this.shells.add(shell);
    if (!this.watchingExit) {
      this.watchingExit = true;
      process.once('beforeExit', this.endAtExit);
    }
    return shell;
  }

  private settled(shell: PooledShell): void {
    if (!shell.alive) return;
    if (shell.env !== this.env || shell.retiring) this.retire(shell);
    else this.idle.push(shell);
    this.dispatch();
  }

  private retire(shell: PooledShell): void {
    shell.retiring = true;
    if (!shell.busy) shell.endInput();
  }
}

interface ShellEvents {
  settled: (shell: PooledShell) => void;
  ended: (shell: PooledShell) => void;
  unavailable: () => void;
}

/** Anything with `ref`/`unref` (a child process, its pipes). */
interface Referable {
  ref(): void;
  unref(): void;
}

const NEWLINE = 0x0a;

/** One `/bin/sh` of a pool and the framing of its output. */
class PooledShell {
  readonly pid: number | undefined;
  /** Resolves once the shell's process has ended and its pipes closed. */
  readonly exited: Promise<void>;
  alive = true;
  retiring = false;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Ends a command's stdout: `\n<nonce> <status>\n`; the nonce is random, per shell. */
  private readonly outMarker: Buffer;
  /** Ends a command's stderr: `\n<nonce>\n`. */
  private readonly errMarker: Buffer;
  // Required, not imported: an ES import of node:crypto also loads its WebCrypto (~1–2 ms).
  private readonly nonce = (createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'))
    .randomBytes(16)
    .toString('hex');
  private job: Job | null = null;
  private out = new Frame();
  private err = new Frame();

  constructor(
    readonly env: NodeJS.ProcessEnv,
    private readonly events: ShellEvents,
  ) {
    this.outMarker = Buffer.from(`\n${this.nonce} `);
    this.errMarker = Buffer.from(`\n${this.nonce}\n`);
    // Its own process group: a Ctrl-C on the terminal reaches the coordinator, which stops the
    // run, and never a git command half-way through writing the index.
    const child = spawn('/bin/sh', [], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.pid = child.pid;
    // A session of its own: at the run's niceness among sessions too (run-priority.ts).
    lowerRunSession(child.pid);
    child.stdin.on('error', () => undefined); // EPIPE when the shell died: 'exit' reports it
    child.stdout.on('data', (chunk: Buffer) => this.received(this.out, chunk));
    child.stderr.on('data', (chunk: Buffer) => this.received(this.err, chunk));
    this.exited = new Promise((done) => child.once('close', () => done()));
    // No pid: /bin/sh could not start ('error', then maybe 'exit' with a negative code).
    child.once('error', () => {
      if (child.pid === undefined) this.gone(null, null);
    });
    child.once('exit', (code, signal) => {
      // A git the dead shell started would go on writing unsupervised: end its group.
      if (this.job !== null) killGroup(child.pid);
      child.once('close', () => this.gone(code, signal));
    });
    // Git's stderr goes to fd 3; the shell's own messages ("Killed" after a git died by a
    // signal, its errors) to /dev/null, so stderr is git's alone, as with a direct spawn.
    child.stdin.write('exec 3>&2 2>/dev/null\n');
    this.setRef(false);
  }

  get busy(): boolean {
    return this.job !== null;
  }

  run(job: Job): void {
    this.job = job;
    this.out = new Frame();
    this.err = new Frame();
    this.setRef(true);
    this.child.stdin.write(this.request(job));
  }

  /** Closes the shell's input, so it exits, and holds the event loop until it has. */
  endInput(): void {
    (this.child as unknown as Referable).ref();
    this.child.stdin.end();
  }

  /**
   * The request: enter the directory (or report `nocd`), run git with its stdin from /dev/null
   * or piped from `printf` (the shell's own stdin carries the commands), its stderr to fd 3 (fd 3
   * itself closed for git), `nogit` when git is not on PATH; then the two markers. Per-call
   * variables are prefix assignments, removed ones `unset` in a subshell.
   */
  private request(job: Job): string {
    const { command } = job;
    const set: string[] = [];
    const unset: string[] = [];
    for (const [name, value] of Object.entries(command.env ?? {})) {
      if (value === undefined) unset.push(name);
      else set.push(`${name}=${shellQuote(value)}`);
    }
    const words = [...set, 'git', ...command.args.map(shellQuote)].join(' ');
    const stdin = command.input === undefined ? ' </dev/null' : '';
    const git = `${words}${stdin} 2>&3 3>&-`;
    const inner = unset.length > 0 ? `(unset ${unset.join(' ')}; ${git})` : git;
    const run = command.input === undefined ? inner : `printf %s ${shellQuote(command.input)} | ${inner}`;
    return (
      `if cd -P -- ${shellQuote(command.cwd)}; then ${run}; s=$?; ` +
      `case $s in 127) command -v git >/dev/null || s=nogit;; esac; else s=nocd; fi; ` +
      `printf '\\n%s %s\\n' ${this.nonce} "$s"; printf '\\n%s\\n' ${this.nonce} >&3\n`
    );
  }

  private received(frame: Frame, chunk: Buffer): void {
    if (this.job === null) return; // nothing is expected between calls
    frame.push(chunk);
    if (chunk[chunk.length - 1] !== NEWLINE) return;
    if (frame === this.out) this.out.findEnd(this.outMarker, STATUS_LENGTH);
    else this.err.findEnd(this.errMarker, 0);
    if (this.out.status === null || this.err.status === null) return;
    const job = this.job;
    this.job = null;
    this.setRef(false);
    const status = this.out.status;
    if (status === 'nocd') job.resolve({ ran: false, why: 'cwd' });
    else if (status === 'nogit') job.resolve({ ran: false, why: 'git' });
    else job.resolve({ ran: true, stdout: this.out.body(), stderr: this.err.body(), status: Number(status) });
    this.events.settled(this);
  }

  private gone(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.alive) return;
    this.alive = false;
    const job = this.job;
    this.job = null;
    this.events.ended(this);
    if (this.pid === undefined) {
      this.events.unavailable();
      job?.resolve({ ran: false, why: 'shell' });
      return;
    }
    if (job === null) return;
    const how = signal === null ? `exited with ${code}` : `was killed by ${signal}`;
    job.reject(new Error(`the shell running git (pid ${this.pid}) ${how} before git finished`));
  }

  private setRef(on: boolean): void {
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) {
      const referable = handle as unknown as Referable;
      if (on) referable.ref();
      else referable.unref();
    }
  }
}

/** Longest status after a stdout marker (`nogit`), with room to spare. */
const STATUS_LENGTH = 8;
const STATUS = /^(?:\d{1,3}|nocd|nogit)$/;

/** The bytes of one stream for one command, and where its marker starts. */
class Frame {
  /** The status after the marker (`''` for stderr) once the marker arrived. */
  status: string | null = null;
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private end = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Looks for `marker` + status + newline at the very end of what arrived. */
  findEnd(marker: Buffer, statusLength: number): void {
    const tail = this.tail(marker.length + statusLength + 1);
    const at = tail.lastIndexOf(marker);
    if (at < 0) return;
    const status =
      statusLength === 0 ? '' : tail.subarray(at + marker.length, tail.length - 1).toString('latin1');
    if (statusLength === 0 ? at + marker.length !== tail.length : !STATUS.test(status)) return;
    this.status = status;
    this.end = this.length - (tail.length - at);
  }

  /** What the command printed, without the marker. */
  body(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    return all.subarray(0, this.end);
  }

  private tail(size: number): Buffer {
    const last = this.chunks[this.chunks.length - 1]!;
    if (last.length >= size || this.chunks.length === 1)
      return last.subarray(Math.max(0, last.length - size));
    const parts: Buffer[] = [];
    let length = 0;
    for (let i = this.chunks.length - 1; i >= 0 && length < size; i--) {
      parts.unshift(this.chunks[i]!);
      length += this.chunks[i]!.length;
    }
    const joined = Buffer.concat(parts, length);
    return joined.subarray(Math.max(0, length - size));
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already empty.
  }
}
