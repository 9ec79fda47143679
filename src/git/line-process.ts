import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { redactSecrets } from '../process/redact-secrets.js';
import { GitError } from './git-error.js';
import { gitEnv } from './git-exec.js';

/**
 * A long-lived git process that answers one line per line it is sent (`hash-object
 * --stdin-paths`, `cat-file --batch-check`): many answers for the cost of one process. Requests
 * are answered in order; the process starts on first use and ends with {@link close}.
 */
export class GitLineProcess {
  private child: ChildProcessByStdio<Writable, Readable, Readable> | null = null;
  private buffer = '';
  private stderr = '';
  private readonly waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];

  constructor(
    private readonly cwd: string,
    private readonly args: readonly string[],
  ) {}

  /** Sends `line` and resolves with git's answer line. */
  ask(line: string): Promise<string> {
    const child = this.process();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      child.stdin.write(`${line}\n`);
    });
  }

  /** Ends the process (its stdin closes). */
  close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      child.once('close', () => done());
      child.stdin.end();
    });
  }

  private process() {
    if (this.child) return this.child;
    this.buffer = '';
    this.stderr = '';
    const child = spawn('git', this.args, { cwd: this.cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (
        let nl = this.buffer.indexOf('\n');
        nl >= 0 && this.waiting.length > 0;
        nl = this.buffer.indexOf('\n')
      ) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.waiting.shift()!.resolve(line);
      }
    });
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
    return child;
  }
}
