import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { redactSecrets } from '../process/redact-secrets.js';
import { lowerRunSession } from '../process/run-priority.js';
import { GitError } from './git-error.js';
import { longLivedGitEnv } from './long-lived-env.js';

/** Options of a long-lived git process. */
export interface GitProcessOptions {
  /**
   * While no answer is awaited, the process and its pipes hold no reference on the event loop,
   * so a program ends when its work does (its owner then closes it, e.g. at `beforeExit`).
   */
  unrefWhenIdle?: boolean;
}

/** Anything with `ref`/`unref` (a child process, its pipes). */
interface Referable {
  ref(): void;
  unref(): void;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/**
 * A long-lived git process: requests are written to stdin, answers parsed from stdout in bytes
 * (object contents and tree entry names are not text), in order: many answers for the cost of
 * one process. It starts on first use and ends with {@link close}; if git ends, every waiting
 * request is rejected with a {@link GitError} naming the command and git's stderr.
 */
export abstract class GitByteProcess<T> {
  private child: ChildProcessByStdio<Writable, Readable, Readable> | null = null;
  private stderr = '';
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the answer being received needs before parsing it again is worth it. */
  private needed = 0;
  protected readonly waiting: Array<Waiter<T>> = [];

  constructor(
    private readonly cwd: string,
    private readonly args: readonly string[],
    private readonly options: GitProcessOptions = {},
  ) {}

  /** Takes one answer off the front of `buffer`: the answer and the bytes it used, or null if incomplete. */
  protected abstract parse(buffer: Buffer): { value: T; used: number } | null;

  /** How many bytes the incomplete answer at the front of `buffer` needs in all, when known (else 0). */
  protected bytesNeeded(_buffer: Buffer): number {
    return 0;
  }

  protected request(payload: Buffer | string): Promise<T> {
    const child = this.process();
    if (this.options.unrefWhenIdle && this.waiting.length === 0) setRef(child, true);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      child.stdin.write(payload);
    });
  }

  /** Ends the process (its stdin closes) and resolves once it exited. */
  close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    // Held until it exited, so the program reaps it.
    setRef(child, true);
    return new Promise((done) => {
      child.once('close', () => done());
      child.stdin.end();
    });
  }

  private process() {
    if (this.child) return this.child;
    this.stderr = '';
    this.chunks = [];
    this.buffered = 0;
    this.needed = 0;
    // A session of its own, as the git shells: a Ctrl-C reaches the coordinator only (which
    // closes it), and where the kernel groups processes by session it runs at the run's
    // niceness among sessions too, not at the user's shell's (run-priority.ts).
    const child = spawn('git', this.args, {
      cwd: this.cwd,
      env: longLivedGitEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    lowerRunSession(child.pid);
    child.stdin.on('error', () => undefined);
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    const end = (why: string, code: number | null) => {
      if (this.child === child) this.child = null;
      const stderr = redactSecrets(this.stderr.trim());
      const error = new GitError(
        `git ${this.args.join(' ')} ${why} in ${this.cwd}${stderr ? `: ${stderr}` : ''}`,
        [...this.args],
        this.cwd,
        code,
        stderr,
      );
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    };
    child.once('error', (error) => end(`could not run: ${error.message}`, null));
    child.once('close', (code, signal) =>
      end(code === null ? `was killed by ${signal}` : `exited with ${code}`, code),
    );
    this.child = child;
    if (this.options.unrefWhenIdle) setRef(child, false);
    return child;
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // A large object arrives in many chunks: joined once it is all there, not at every chunk.
    if (this.buffered < this.needed) return;
    this.needed = 0;
    let buffer = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    while (this.waiting.length > 0) {
      const answer = this.parse(buffer);
      if (!answer) {
        this.needed = this.bytesNeeded(buffer);
        break;
      }
      buffer = buffer.subarray(answer.used);
      this.waiting.shift()!.resolve(answer.value);
      if (this.waiting.length === 0 && this.options.unrefWhenIdle && this.child) setRef(this.child, false);
    }
    this.chunks = buffer.length > 0 ? [buffer] : [];
    this.buffered = buffer.length;
  }
}

function setRef(child: ChildProcessByStdio<Writable, Readable, Readable>, on: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr]) {
    const referable = handle as unknown as Referable;
    if (on) referable.ref();
    else referable.unref();
  }
}

/**
 * A long-lived git process that answers one line per line it is sent (`hash-object
 * --stdin-paths`, `cat-file --batch-check`).
 */
export class GitLineProcess extends GitByteProcess<string> {
  /** Sends `line` and resolves with git's answer line. */
  ask(line: string): Promise<string> {
    return this.request(`${line}\n`);
  }

  protected parse(buffer: Buffer): { value: string; used: number } | null {
    const nl = buffer.indexOf(10);
    return nl < 0 ? null : { value: buffer.toString('utf8', 0, nl), used: nl + 1 };
  }
}
