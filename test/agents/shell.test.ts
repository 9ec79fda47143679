import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createShellAdapter } from '../../src/agents/shell.js';
import { liveMembers } from '../process/live-members.js';
import { agentRequest, collect } from './agent-request.js';

const shell = createShellAdapter();
const never = new AbortController().signal;

describe('shell agent', () => {
  it('is always available', async () => {
    expect(await shell.probe()).toEqual({ available: true });
  });

  it('runs the task command in the worktree with the MILESTONE_* variables', async () => {
    const request = agentRequest(
      {
        run: 'echo "$MILESTONE_ID $MILESTONE_TASK_ID $MILESTONE_PHASE $MILESTONE_ATTEMPT $MILESTONE_WORKTREE $EXTRA" > out.txt; echo all done',
      },
      { attempt: 2, env: { EXTRA: 'extra' } },
    );
    const { events, result } = await collect(shell.run(request, never));
    expect(readFileSync(join(request.worktree, 'out.txt'), 'utf8')).toBe(
      `m1 t1 execute 2 ${request.worktree} extra\n`,
    );
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      timedOut: false,
      canceled: false,
      summary: 'all done',
    });
    expect(result.usage).toEqual({ inputTokens: null, outputTokens: null, costUsd: null });
    expect(events[0]).toMatchObject({ type: 'started' });
    expect(events).toContainEqual({ type: 'progress', message: 'all done' });
  });

  it('fails with the exit code and the last stderr line', async () => {
    const request = agentRequest({ run: 'echo partial; echo "tests failed" >&2; exit 4' });
    const { result } = await collect(shell.run(request, never));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 4,
      error: 'exited with code 4: tests failed',
      retryable: true,
    });
  });

  it('refuses a task without a run command', async () => {
    const { events, result } = await collect(shell.run(agentRequest({ prompt: 'do it' }), never));
    expect(events).toHaveLength(1);
    expect(result).toMatchObject({
      ok: false,
      error: 'task t1 has no run command; the shell agent needs one',
      retryable: false,
    });
  });

  it('kills the whole tree on timeout', async () => {
    const request = agentRequest(
      { run: 'sleep 100 & sleep 100 & echo $$ > pgid; wait' },
      { timeoutMs: 300, graceMs: 1000 },
    );
    const { result } = await collect(shell.run(request, never));
    expect(result).toMatchObject({
      ok: false,
      timedOut: true,
      error: 'timed out after 0.3s',
      retryable: true,
    });
    const pgid = Number(readFileSync(join(request.worktree, 'pgid'), 'utf8'));
    expect(await liveMembers(pgid)).toEqual([]);
  });

  it('stops when canceled, and says a retry will not help', async () => {
    const controller = new AbortController();
    const request = agentRequest({ run: 'echo started; sleep 100' });
    const events = shell.run(request, controller.signal);
    const seen: string[] = [];
    let result: unknown;
    for await (const event of events) {
      seen.push(event.type);
      if (event.type === 'progress') controller.abort();
      if (event.type === 'result') result = event.result;
    }
    expect(seen).toEqual(['started', 'progress', 'result']);
    expect(result).toMatchObject({ ok: false, canceled: true, error: 'canceled', retryable: false });
  });

  it('writes the attempt log, private', async () => {
    const request = agentRequest({ run: 'echo to-stdout; echo to-stderr >&2' });
    await collect(shell.run(request, never));
    const log = readFileSync(request.logFile, 'utf8');
    expect(log).toContain('to-stdout\nto-stderr\n');
    expect(log).toMatch(/^--- milestone: shell agent, task t1, attempt 1: echo to-stdout/);
    expect(log).toMatch(/--- milestone: ok in \d+ ms ---\n$/);
    expect(statSync(request.logFile).mode & 0o777).toBe(0o600);
  });

  it('stops the process tree when the consumer stops reading', async () => {
    const request = agentRequest({ run: 'echo $$ > pgid; echo go; sleep 100' });
    for await (const event of shell.run(request, never)) {
      if (event.type === 'progress') break;
    }
    const pgid = Number(readFileSync(join(request.worktree, 'pgid'), 'utf8'));
    expect(await liveMembers(pgid)).toEqual([]);
  });
});
