import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { redactSecrets } from '../process/redact-secrets.js';
import { lowerRunSession } from '../process/run-priority.js';
import { GitError } from './git-error.js';
import { longLivedGitEnv } from './long-lived-env.js';
import { assertRevision } from './ref-names.js';
import { revParse } from './refs.js';

/**
 * One compare-and-swap move of a ref: to `to` only if it is at `from` (`null`: only if it does
 * not exist; `'any'`: wherever it is, created if need be, as `git branch -f` does).
 */
export interface RefMove {
  /** The full ref name, e.g. `refs/heads/milestone/x`. */
  ref: string;
  to: string;
  from: string | null | 'any';
}

const FULL_REF = /^refs\/[A-Za-z0-9._/-]+$/;

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * One long-lived `git update-ref --stdin` process for a run: each {@link apply} is a transaction
 * (`start`, `update` per move, `prepare`, `commit`), so several moves land together or not at
 * all, and no move costs a process. git checks every old value under the ref's lock at
 * `prepare`; a mismatch (another writer moved the ref) makes git refuse the transaction and exit,
 * and the next transaction starts a new process. If this process dies between `prepare` and
 * `commit`, git sees its stdin close and aborts: the refs stay where they were.
 */
export class RefTransactions {
  private child: Child | null = null;
  private stdout = '';
  private stderr = '';
  private waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  private exited: Error | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** Transactions applied and not yet settled. */
  private pending = 0;
  /** Processes started so far (a refused transaction ends one): for tests and benchmarks. */
  started = 0;

  constructor(
    private readonly cwd: string,
    private readonly reflogMessage = 'milestone: update branch',
    /** Between transactions the process holds no reference on the event loop (its owner closes it). */
    private readonly unrefWhenIdle = false,
  ) {}

  /**
   * Moves every ref of `moves` in one transaction. Resolves true when committed, false when a
   * ref was not at its `from` (nothing moved); throws a {@link GitError} for anything else.
   * `beforeCommit` runs after git prepared (locked and checked) every ref: a test hook.
   */
  apply(moves: readonly RefMove[], beforeCommit?: () => Promise<void>): Promise<boolean> {
    for (const move of moves) {
      if (!FULL_REF.test(move.ref) || move.ref.includes('..') || move.ref.endsWith('.lock'))
        throw new GitError(`invalid ref ${JSON.stringify(move.ref)}`, ['update-ref'], this.cwd, null, '');
      assertRevision(move.to, 'new value');
      if (move.from !== null && move.from !== 'any') assertRevision(move.from, 'old value');
    }
    this.pending += 1;
    const run = this.chain.then(() => this.transaction(moves, beforeCommit));
    this.chain = run
      .catch(() => undefined)
      .then(() => {
        this.pending -= 1;
        if (this.pending === 0 && this.unrefWhenIdle && this.child) setRef(this.child, false);
      });
    return run;
  }

  /** Ends the process (its stdin closes; git exits). */
  close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return Promise.resolve();
    return new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      setRef(child, true);
      child.once('close', () => done());
      child.stdin.end();
    });
  }

  private async transaction(moves: readonly RefMove[], beforeCommit?: () => Promise<void>): Promise<boolean> {
    if (moves.length === 0) return true;
    const child = this.process();
    if (this.unrefWhenIdle) setRef(child, true);
    // No old value: no check; the null id: the ref must not exist.
    const old = (m: RefMove) => (m.from === 'any' ? '' : (m.from ?? '0'.repeat(m.to.length)));
    const lines = moves.map((m) => `update ${m.ref} ${m.to} ${old(m)}`.trimEnd());
    try {
      await this.send(child, ['start'], 'start');
      await this.send(child, [...lines, 'prepare'], 'prepare');
      await beforeCommit?.();
      await this.send(child, ['commit'], 'commit');
      return true;
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      // git refused and exited: did a ref move under us (a lost race) or is it something else?
      for (const move of moves) {
        if (move.from === 'any') continue;
        const at = await revParse(this.cwd, move.ref);
        if (at !== move.from) return false;
      }
      if (/cannot lock ref/i.test(error.stderr)) return false;
      throw error;
    }
  }

  /** Writes `commands` and waits for git's `<expect>: ok`. */
  private async send(child: Child, commands: string[], expect: string): Promise<void> {
    const answer = this.nextLine();
    child.stdin.write(`${commands.join('\n')}\n`);
    const line = await answer;
    if (line !== `${expect}: ok`) throw this.failure(`unexpected answer ${JSON.stringify(line)}`);
  }

  private nextLine(): Promise<string> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.deliver();
    });
  }

  private deliver(): void {
    for (
      let nl = this.stdout.indexOf('\n');
      nl >= 0 && this.waiting.length > 0;
      nl = this.stdout.indexOf('\n')
    ) {
      const line = this.stdout.slice(0, nl);
      this.stdout = this.stdout.slice(nl + 1);
      this.waiting.shift()!.resolve(line);
    }
  }

  private failure(why: string, code: number | null = null): GitError {
    const stderr = redactSecrets(this.stderr.trim());
    return new GitError(
      `git update-ref --stdin ${why} in ${this.cwd}${stderr ? `: ${stderr}` : ''}`,
      ['update-ref', '--stdin'],
      this.cwd,
      code,
      stderr,
    );
  }

  private process(): Child {
    if (this.child && !this.exited) return this.child;
    this.stdout = '';
    this.stderr = '';
    this.exited = null;
    this.started += 1;
    // A session of its own at the run's niceness, as the other long-lived gits (line-process.ts);
    // a Ctrl-C never reaches it half-way through a transaction.
    const child = spawn('git', ['update-ref', '-m', this.reflogMessage, '--stdin'], {
      cwd: this.cwd,
      env: longLivedGitEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    lowerRunSession(child.pid);
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.deliver();
    });
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    const end = (error: GitError) => {
      // The current process, or one `close` let go of while a transaction was still using it.
      if (this.child === child || this.child === null) this.exited = error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    };
    child.once('error', (error) => end(this.failure(`could not run: ${error.message}`)));
    child.once('close', (code, signal) =>
      end(this.failure(code === null ? `was killed by ${signal}` : `exited with ${code}`, code)),
    );
    this.child = child;
    return child;
  }
}

function setRef(child: Child, on: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr]) {
    const referable = handle as unknown as { ref(): void; unref(): void };
    if (on) referable.ref();
    else referable.unref();
  }
}
