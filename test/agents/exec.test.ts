import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecAdapter } from '../../src/agents/exec.js';
import { agentRequest, collect } from './agent-request.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/agents/echo-agent.mjs');
const never = new AbortController().signal;

function echoAgent(mode?: string) {
  return createExecAdapter({
    name: 'echo',
    command: [process.execPath, FIXTURE],
    ...(mode ? { env: { ECHO_AGENT_MODE: mode } } : {}),
  });
}

describe('exec agent', () => {
  it('sends the request on stdin and succeeds on exit 0 with ok:true', async () => {
    const request = agentRequest({ prompt: 'add a greeting', verify: 'npm test' }, { attempt: 3 });
    const { events, result } = await collect(echoAgent().run(request, never));

    expect(readFileSync(join(request.worktree, 'echo-agent.txt'), 'utf8')).toBe('add a greeting\n');
    const seen = JSON.parse(readFileSync(join(request.worktree, 'echo-agent.json'), 'utf8'));
    expect(seen.request).toEqual({
      milestone: 'm1',
      task: 't1',
      title: 'Task one',
      phase: 'execute',
      prompt: 'add a greeting',
      run: null,
      files: ['src/**'],
      verify: 'npm test',
      worktree: request.worktree,
      attempt: 3,
    });
    expect(seen.cwd).toBe(request.worktree);
    expect(seen.env).toMatchObject({ MILESTONE_ID: 'm1', MILESTONE_TASK_ID: 't1', MILESTONE_ATTEMPT: '3' });

    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      summary: 'wrote echo-agent.txt',
      sessionId: 'echo-session-1',
    });
    expect(result.usage).toEqual({ inputTokens: 150, outputTokens: 25, costUsd: 0.015 });
    expect(result.error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      'started',
      'progress',
      'progress',
      'session',
      'usage',
      'usage',
      'result',
    ]);
    expect(events[1]).toEqual({ type: 'progress', message: 'reading the task (plain text line)' });
    expect(events[2]).toEqual({ type: 'progress', message: 'working on t1' });
    expect(events[5]).toEqual({
      type: 'usage',
      usage: { inputTokens: 150, outputTokens: 25, costUsd: 0.015 },
    });
  });

  it('chooses its behaviour from the prompt too', async () => {
    const { result } = await collect(echoAgent().run(agentRequest({ prompt: 'please mode:crash' }), never));
    expect(result).toMatchObject({ ok: false, exitCode: 3 });
  });

  it('fails when the agent reports failure, keeping its error and retry advice', async () => {
    const { result } = await collect(echoAgent('fail').run(agentRequest({ prompt: 'x' }), never));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      summary: 'gave up',
      error: 'could not do it',
      retryable: false,
    });
    expect(result.usage.inputTokens).toBe(100);
  });

  it('fails with a clear error when no result line came', async () => {
    const { result } = await collect(echoAgent('no-result').run(agentRequest({ prompt: 'x' }), never));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 0,
      error: 'echo exited 0 without a result line: a line on stderr',
      retryable: true,
    });
  });

  it('reports a crash with its stderr', async () => {
    const { result } = await collect(echoAgent('crash').run(agentRequest({ prompt: 'x' }), never));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 3,
      error: 'echo exited with code 3 without a result line: boom: the agent crashed',
      retryable: true,
    });
  });

  it("names a crashed script's error, not the Node.js version line Node prints after it", async () => {
    const missing = createExecAdapter({ name: 'bot', command: [process.execPath, 'tools/no-such-bot.js'] });
    const { result } = await collect(missing.run(agentRequest({ prompt: 'x' }), never));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^bot exited with code 1 without a result line: Error: Cannot find module /);
    expect(result.error).toContain('no-such-bot.js');
  });

  it('needs exit code 0 as well as ok:true', async () => {
    const { result } = await collect(echoAgent('ok-exit-1').run(agentRequest({ prompt: 'x' }), never));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      error: 'echo reported ok but exited with code 1',
    });
  });

  it('ignores a malformed result line and says so', async () => {
    const { events, result } = await collect(
      echoAgent('malformed').run(agentRequest({ prompt: 'x' }), never),
    );
    expect(events).toContainEqual({
      type: 'progress',
      message: 'ignored malformed result event: ok: Invalid input: expected boolean, received string',
    });
    expect(result.ok).toBe(false);
    expect(result.error).toContain('without a result line (ignored malformed result event: ok');
  });

  it('stops a hanging agent at its time limit', async () => {
    const { result } = await collect(
      echoAgent('hang').run(agentRequest({ prompt: 'x' }, { timeoutMs: 500, graceMs: 500 }), never),
    );
    expect(result).toMatchObject({
      ok: false,
      timedOut: true,
      exitCode: null,
      error: 'timed out after 0.5s',
    });
  });

  it('writes everything the agent printed to the attempt log', async () => {
    const request = agentRequest({ prompt: 'x' });
    await collect(echoAgent().run(request, never));
    const log = readFileSync(request.logFile, 'utf8');
    expect(log).toContain('reading the task (plain text line)\n');
    expect(log).toContain('{"type":"result","ok":true,"summary":"wrote echo-agent.txt"}\n');
    expect(log).toContain('a line on stderr\n');
  });

  it('turns a missing program into a failed result, not an exception', async () => {
    const adapter = createExecAdapter({ name: 'ghost', command: ['milestone-no-such-agent'] });
    const request = agentRequest({ prompt: 'x' });
    const { events, result } = await collect(adapter.run(request, never));
    expect(events).toHaveLength(1);
    expect(result).toMatchObject({ ok: false, exitCode: null, retryable: false });
    expect(result.error).toContain('milestone-no-such-agent');
    expect(existsSync(request.logFile)).toBe(true);
  });

  it('probes for the program on PATH or at its path', async () => {
    expect(await echoAgent().probe()).toEqual({ available: true });
    expect(await createExecAdapter({ name: 'n', command: ['node', FIXTURE] }).probe()).toEqual({
      available: true,
    });
    expect(
      await createExecAdapter({
        name: 'rel',
        command: ['./echo-agent.mjs'],
        baseDir: resolve(FIXTURE, '..'),
      }).probe(),
    ).toEqual({
      available: true,
    });
    expect(await createExecAdapter({ name: 'ghost', command: ['milestone-no-such-agent'] }).probe()).toEqual({
      available: false,
      reason: 'ghost: milestone-no-such-agent not found on PATH',
    });
    expect((await createExecAdapter({ name: 'g', command: ['/nope/agent'] }).probe()).available).toBe(false);
  });

  it('refuses a command without a program', () => {
    expect(() => createExecAdapter({ name: 'empty', command: [] })).toThrow(/must name a program/);
  });

  it('runs a program given by a path relative to the base directory', async () => {
    const adapter = createExecAdapter({
      name: 'rel',
      command: ['./echo-agent.mjs'],
      baseDir: resolve(FIXTURE, '..'),
    });
    const { result } = await collect(adapter.run(agentRequest({ prompt: 'x' }), never));
    expect(result.ok).toBe(true);
  });
});
