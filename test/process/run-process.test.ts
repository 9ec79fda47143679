import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessStartError } from '../../src/process/process-error.js';
import { runProcess } from '../../src/process/run-process.js';
import { tempDir } from '../helpers/git-repo.js';
import { liveMembers } from './live-members.js';

describe('runProcess', () => {
  it('redacts secrets before the log, the line callback and the tails see them, even cut across chunks', async () => {
    const cwd = tempDir();
    const logFile = join(tempDir(), 'attempt.log');
    const lines: string[] = [];
    // Each half of the token is written on its own, a moment apart: two chunks on the pipe.
    const program = `
      const t = process.env.MY_API_TOKEN, h = t.length >> 1;
      process.stdout.write('token ' + t.slice(0, h));
      process.stderr.write('err ' + t.slice(0, h));
      setTimeout(() => {
        process.stdout.write(t.slice(h) + ' and ghp_' + 'Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc\\n');
        process.stderr.write(t.slice(h));
      }, 100);`;
    const result = await runProcess({
      file: process.execPath,
      args: ['-e', program],
      cwd,
      env: { MY_API_TOKEN: 'tok-0123456789-abcdef' },
      logFile,
      onStdoutLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['token [redacted] and [redacted]']);
    expect(result.stdoutTail).toBe('token [redacted] and [redacted]\n');
    expect(result.stderrTail).toBe('err [redacted]');
    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toMatch(/tok-0123456789|ghp_Zx9/);
    expect(log).toContain('token [redacted] and [redacted]');
  });

  it('cuts a line over the line limit (a 25 MB JSON line from an agent) with a note naming the limit, and reads on', async () => {
    const logFile = join(tempDir(), 'attempt.log');
    const lines: string[] = [];
    // One JSON event of 25 MB without a newline until its end, in many pipe chunks, then a normal one.
    const program = `
      const chunk = 'x'.repeat(1 << 20);
      process.stdout.write('{"type":"assistant","text":"');
      for (let i = 0; i < 25; i++) process.stdout.write(chunk);
      process.stdout.write('"}\\n{"type":"result","ok":true}\\n');`;
    const result = await runProcess({
      file: process.execPath,
      args: ['-e', program],
      cwd: tempDir(),
      logFile,
      onStdoutLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\{"type":"assistant","text":"x{172}\.\.\. \[milestone: line cut: 26214430 characters, over the limit of 10485760 characters per line; the rest was dropped\]$/,
    );
    expect(lines[1]).toBe('{"type":"result","ok":true}');
    expect(statSync(logFile).size).toBeLessThan(10_000);
    expect(readFileSync(logFile, 'utf8')).toContain('over the limit of 10485760 characters per line');
  });

  it('masks a secret that the cut of an over-long line splits: no part of it is kept', async () => {
    const logFile = join(tempDir(), 'attempt.log');
    const lines: string[] = [];
    // The agent's environment token starts 10 characters before the 200 kept of a cut line,
    // then a token shape crosses it in a second line: both over the limit of 10 Mi characters.
    const program = `
      const pad = 'x'.repeat(11 << 20);
      process.stdout.write('{"text":"' + 'a'.repeat(181) + process.env.MY_API_TOKEN + pad + '"}\\n');
      process.stdout.write('{"text":"' + 'b'.repeat(180) + ' ghp_' + 'Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc' + ' ' + pad + '"}\\n');`;
    const result = await runProcess({
      file: process.execPath,
      args: ['-e', program],
      cwd: tempDir(),
      env: { MY_API_TOKEN: 'tok-0123456789-abcdef' },
      logFile,
      onStdoutLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\{"text":"a{181}\[redacted\]x*\.\.\. \[milestone: line cut: /);
    expect(lines[1]).toMatch(/^\{"text":"b{180} \[redacted\] ?x*\.\.\. \[milestone: line cut: /);
    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toMatch(/tok-|ghp_/);
    expect(`${result.stdoutTail}`).not.toMatch(/tok-|ghp_/);
  });

  it('runs a program and reports its exit code and output tails', async () => {
    const cwd = tempDir();
    const result = await runProcess({
      file: process.execPath,
      args: ['-e', 'console.log("out"); console.error("err"); process.exit(3)'],
      cwd,
    });
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, canceled: false });
    expect(result.stdoutTail).toBe('out\n');
    expect(result.stderrTail).toBe('err\n');
  });

  it('delivers stdin and streams stdout lines', async () => {
    const lines: string[] = [];
    const result = await runProcess({
      file: 'cat',
      args: [],
      cwd: tempDir(),
      input: 'one\ntwo\r\nthree',
      onStdoutLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('runs in the given cwd with env overrides, removing variables set to undefined', async () => {
    const cwd = tempDir();
    process.env.MILESTONE_TEST_REMOVE_ME = 'present';
    try {
      const lines: string[] = [];
      await runProcess({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
        file: 'echo "$PWD|$FOO|${MILESTONE_TEST_REMOVE_ME-unset}|$1"',
        args: ['first'],
        shell: true,
        cwd,
        env: { FOO: 'bar', MILESTONE_TEST_REMOVE_ME: undefined },
        onStdoutLine: (line) => lines.push(line),
      });
      expect(lines).toEqual([`${cwd}|bar|unset|first`]);
    } finally {
      delete process.env.MILESTONE_TEST_REMOVE_ME;
    }
  });

  it('appends stdout and stderr lines to a private log file', async () => {
    const dir = tempDir();
    const logFile = join(dir, 'logs', 'run.log');
    await runProcess({
      file: 'echo first; echo second >&2; printf last',
      args: [],
      shell: true,
      cwd: dir,
      logFile,
    });
    await runProcess({ file: 'echo again', args: [], shell: true, cwd: dir, logFile });
    expect(readFileSync(logFile, 'utf8')).toBe('first\nsecond\nlast\nagain\n');
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
  });

  it('kills the whole process tree on timeout', async () => {
    let pgid = 0;
    const result = await runProcess({
      file: 'sleep 100 & sleep 100 & wait',
      args: [],
      shell: true,
      cwd: tempDir(),
      timeoutMs: 300,
      graceMs: 2000,
      onStart: (pid) => {
        pgid = pid;
      },
    });
    expect(result.timedOut).toBe(true);
    expect(result.canceled).toBe(false);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGTERM');
    expect(pgid).toBeGreaterThan(0);
    expect(await liveMembers(pgid)).toEqual([]);
  });

  it('uses SIGKILL when the group ignores SIGTERM past the grace period', async () => {
    // The group ignores SIGTERM only once its shell ran `trap`: on a busy machine the timeout
    // may come first, and that run proves nothing; it runs again with a longer timeout.
    for (let timeoutMs = 200; ; timeoutMs *= 4) {
      let pgid = 0;
      const cwd = tempDir();
      const result = await runProcess({
        file: "trap '' TERM; : > trapped; sleep 100 & wait; sleep 100",
        args: [],
        shell: true,
        cwd,
        timeoutMs,
        graceMs: 300,
        onStart: (pid) => {
          pgid = pid;
        },
      });
      expect(result.timedOut).toBe(true);
      expect(await liveMembers(pgid)).toEqual([]);
      if (!existsSync(join(cwd, 'trapped'))) {
        expect(timeoutMs, 'the shell never got to its trap').toBeLessThan(60_000);
        continue;
      }
      expect(result.signal).toBe('SIGKILL');
      return;
    }
  });

  it('stops descendants left running after the program exits', async () => {
    let pgid = 0;
    const result = await runProcess({
      file: 'sleep 100 >/dev/null 2>&1 & echo started',
      args: [],
      shell: true,
      cwd: tempDir(),
      onStart: (pid) => {
        pgid = pid;
      },
    });
    expect(result.exitCode).toBe(0);
    expect(await liveMembers(pgid)).toEqual([]);
  });

  it('reports cancellation through an AbortSignal', async () => {
    const controller = new AbortController();
    let pgid = 0;
    const running = runProcess({
      file: 'sleep 100',
      args: [],
      shell: true,
      cwd: tempDir(),
      signal: controller.signal,
      onStart: (pid) => {
        pgid = pid;
        // Cancel once the process is running (the next turn, after runProcess set up its wait).
        setImmediate(() => controller.abort());
      },
    });
    const result = await running;
    expect(result).toMatchObject({ canceled: true, timedOut: false, exitCode: null });
    expect(await liveMembers(pgid)).toEqual([]);
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let started = false;
    const result = await runProcess({
      file: 'true',
      args: [],
      cwd: tempDir(),
      signal: controller.signal,
      onStart: () => {
        started = true;
      },
    });
    expect(result.canceled).toBe(true);
    expect(started).toBe(false);
  });

  it('rejects with the file name when the program does not exist', async () => {
    const error = await runProcess({ file: 'no-such-program-milestone', args: [], cwd: tempDir() }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error).toMatchObject({
      code: 'MILESTONE_PROCESS_START',
      systemCode: 'ENOENT',
      file: 'no-such-program-milestone',
    });
    expect(error.message).toContain('no-such-program-milestone');
  });

  it('rejects naming the directory when cwd does not exist', async () => {
    const missing = join(tempDir(), 'missing');
    const error = await runProcess({ file: 'true', args: [], cwd: missing }).catch((e) => e);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error.message).toContain(missing);
  });

  it('keeps only the last ~4 KB of output', async () => {
    const result = await runProcess({
      file: process.execPath,
      args: ['-e', 'for (let i = 0; i < 5000; i++) console.log("line " + i)'],
      cwd: tempDir(),
    });
    expect(result.stdoutTail.length).toBeLessThanOrEqual(4096);
    expect(result.stdoutTail.endsWith('line 4999\n')).toBe(true);
  });
});
