import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcessLimits } from '../../src/process/process-limits.js';
import { DEFAULT_PROCESS_LIMITS, takeRunaway, withProcessLimits } from '../../src/process/process-limits.js';
import { runProcess } from '../../src/process/run-process.js';
import { tempDir } from '../helpers/git-repo.js';

const NONE: ProcessLimits = {
  logMaxBytes: null,
  outputMaxBytes: null,
  maxProcesses: null,
  memoryBytes: null,
  niceness: null,
};

function inLimits<T>(limits: Partial<ProcessLimits>, fn: () => Promise<T>): Promise<T> {
  return withProcessLimits({ ...NONE, ...limits }, fn);
}

describe('attempt log cap', () => {
  it('keeps the tail of a log that outgrows the cap, with a note of what was dropped', async () => {
    const dir = tempDir();
    const logFile = join(dir, 'attempt-1.log');
    const cap = 64 * 1024;
    const result = await inLimits({ logMaxBytes: cap }, () =>
      runProcess({
        file: 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done',
        args: [],
        shell: true,
        cwd: dir,
        logFile,
      }),
    );
    expect(result.exitCode).toBe(0);
    expect(statSync(logFile).size).toBeLessThanOrEqual(cap);
    const text = readFileSync(logFile, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^--- milestone: log capped at 64 KB per attempt: \d+ earlier bytes dropped, the tail follows ---$/,
    );
    expect(lines.at(-1)).toBe('line 19999');
    // Whole lines only, in order, up to the end.
    expect(lines[1]).toMatch(/^line \d+$/);
    const first = Number(lines[1]!.slice(5));
    expect(lines.slice(1)).toEqual(Array.from({ length: 20000 - first }, (_, i) => `line ${first + i}`));
    // The note counts every dropped byte: 20000 lines of output in all.
    const total = Array.from({ length: 20000 }, (_, i) => `line ${i}\n`).join('').length;
    const dropped = Number(/(\d+) earlier bytes/.exec(lines[0]!)![1]);
    expect(dropped + Buffer.byteLength(lines.slice(1).join('\n')) + 1).toBe(total);
  });

  it('leaves a log under the cap as it is, and is 50 MB by default', async () => {
    expect(DEFAULT_PROCESS_LIMITS.logMaxBytes).toBe(50 * 1024 * 1024);
    const dir = tempDir();
    const logFile = join(dir, 'a.log');
    await inLimits({ logMaxBytes: 1024 * 1024 }, () =>
      runProcess({ file: 'echo one; echo two', args: [], shell: true, cwd: dir, logFile }),
    );
    expect(readFileSync(logFile, 'utf8')).toBe('one\ntwo\n');
  });
});

describe('runaway processes', () => {
  it('stops a process that prints without end and says why', async () => {
    const dir = tempDir();
    const logFile = join(dir, 'a.log');
    const { result, note } = await inLimits(
      { outputMaxBytes: 2 * 1024 * 1024, logMaxBytes: 256 * 1024 },
      async () => {
        const result = await runProcess({ file: 'yes', args: ['spam'], cwd: dir, logFile, graceMs: 500 });
        return { result, note: takeRunaway(logFile) };
      },
    );
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGTERM');
    expect(note).toEqual({ kind: 'output', message: 'runaway: printed more than 2 MB; stopped' });
    expect(readFileSync(logFile, 'utf8')).toContain(
      '--- milestone: runaway: printed more than 2 MB; stopped ---',
    );
    expect(statSync(logFile).size).toBeLessThanOrEqual(256 * 1024 + 200);
  });

  it('stops a process group that forks without end', async () => {
    const dir = tempDir();
    const logFile = join(dir, 'a.log');
    const { result, note } = await inLimits({ maxProcesses: 20 }, async () => {
      const result = await runProcess({
        file: 'while :; do sleep 30 & done',
        args: [],
        shell: true,
        cwd: dir,
        logFile,
        graceMs: 500,
      });
      return { result, note: takeRunaway(logFile) };
    });
    expect(result.exitCode).toBeNull();
    expect(note?.kind).toBe('processes');
    expect(note?.message).toMatch(/^runaway: \d+ processes in its group \(limit 20\); stopped$/);
  });

  it('applies only to task processes (with an attempt log), not to git or other helpers', async () => {
    const dir = tempDir();
    const result = await inLimits({ outputMaxBytes: 1024 }, () =>
      runProcess({ file: 'head -c 100000 /dev/zero', args: [], shell: true, cwd: dir }),
    );
    expect(result.exitCode).toBe(0);
  });
});

describe('memory limit', () => {
  const allocate =
    'node -e \'const a=[];for(let i=0;i<8;i++)a.push(Buffer.alloc(50e6,1));console.log("allocated")\'';

  it('makes an agent that allocates past the limit fail, where it succeeds without', async () => {
    const dir = tempDir();
    const limited = await inLimits({ memoryBytes: 200 * 1024 * 1024 }, () =>
      runProcess({ file: allocate, args: [], shell: true, cwd: dir, logFile: join(dir, 'a.log') }),
    );
    expect(limited.exitCode).not.toBe(0);
    expect(limited.stdoutTail).not.toContain('allocated');
    const free = await inLimits({}, () =>
      runProcess({ file: allocate, args: [], shell: true, cwd: dir, logFile: join(dir, 'b.log') }),
    );
    expect(free.exitCode).toBe(0);
    expect(free.stdoutTail).toContain('allocated');
  });
});
