import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/adapter.js';
import type { GeminiOptions } from '../../src/agents/gemini.js';
import { createGeminiAdapter, geminiArgs } from '../../src/agents/gemini.js';
import { tempDir } from '../helpers/git-repo.js';
import { agentRequest, collect } from './agent-request.js';
import { fakeCalls, fakeEnv, useFakeAgentsOnPath } from './fake-agents.js';

useFakeAgentsOnPath();
const never = new AbortController().signal;

async function runGemini(
  scenario: string,
  options: GeminiOptions = {},
  state = tempDir('milestone-fake-state-'),
) {
  const adapter = createGeminiAdapter('gemini', { ...options, env: fakeEnv(scenario, state) });
  const request = agentRequest({ prompt: 'Add a greeting file.', verify: 'npm test' });
  const run = await collect(adapter.run(request, never));
  return { ...run, request, calls: fakeCalls(state) };
}

const progress = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'progress' ? [e.message] : []));

describe('gemini agent', () => {
  it('runs gemini -p in auto_edit mode in the worktree and reads its stream', async () => {
    const { events, result, request, calls } = await runGemini('success');
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      summary: 'Created hello.txt with a greeting.',
      sessionId: '6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    });
    // Tokens from result.stats; Gemini reports no price, so the cost is unknown (null).
    expect(result.usage).toEqual({ inputTokens: 10758, outputTokens: 92, costUsd: null });
    expect(readFileSync(join(request.worktree, 'hello.txt'), 'utf8')).toBe('hello from gemini\n');

    expect(calls[0]?.cwd).toBe(request.worktree);
    expect(calls[0]?.argv[0]).toBe('-p');
    expect(calls[0]?.argv.slice(2)).toEqual([
      '--output-format',
      'stream-json',
      '--approval-mode',
      'auto_edit',
    ]);
    expect(calls[0]?.env.GEMINI_CLI_TRUST_WORKSPACE).toBe('true');
    expect(progress(events)).toEqual([
      'gemini started (gemini-2.5-pro)',
      "I'll create hello.txt now.",
      'tool write_file /home/dev/project/hello.txt',
      'Created hello.txt with a greeting.',
      'finished: success after 1 tool calls',
    ]);
  });

  it('fails on an error result even with exit code 0', async () => {
    const { result } = await runGemini('error-result');
    expect(result).toMatchObject({ ok: false, exitCode: 0, retryable: true });
    expect(result.error).toMatch(/^gemini reported an error: ApiError: \[API Error: got status: INTERNAL/);
  });

  it('does not retry a run that hit the turn limit (exit 53)', async () => {
    const { result } = await runGemini('max-turns');
    expect(result).toMatchObject({ ok: false, exitCode: 53, retryable: false });
    expect(result.error).toMatch(
      /^max turns reached: gemini stopped at its turn limit: FatalTurnLimitedError/,
    );
  });

  it('marks a rate limit retryable, and the retry succeeds', async () => {
    const state = tempDir('milestone-fake-state-');
    const first = await runGemini('rate-limit-then-success', {}, state);
    expect(first.result).toMatchObject({ ok: false, retryable: true });
    expect(first.result.error).toMatch(
      /^rate limited or overloaded, retry later: .*Resource has been exhausted/,
    );
    const second = await runGemini('rate-limit-then-success', {}, state);
    expect(second.result).toMatchObject({ ok: true, retryable: false });
  });

  it('calls a crash without a result line retryable, keeping the text seen so far', async () => {
    const { result } = await runGemini('crash');
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      retryable: true,
      error: 'gemini exited with code 1 without a final result: RangeError: Maximum call stack size exceeded',
      summary: 'Looking at the project files',
    });
  });

  it('stops on an authentication failure (exit 41) instead of retrying', async () => {
    const { result } = await runGemini('auth');
    expect(result).toMatchObject({ ok: false, exitCode: 41, retryable: false });
    expect(result.error).toMatch(
      /^authentication: gemini could not authenticate .*Please set an Auth method/,
    );
  });

  it('passes the configured options, warns about yolo, and can leave the folder untrusted', async () => {
    const { args, warnings } = geminiArgs(
      'g',
      { approvalMode: 'yolo', model: 'gemini-2.5-flash', allowedTools: ['run_shell_command(npm test)'] },
      'PROMPT',
      false,
      '/logs/attempt-1.gemini-policy.toml',
    );
    expect(args).toEqual([
      '-p',
      'PROMPT',
      '--output-format',
      'stream-json',
      '--approval-mode',
      'yolo',
      '-m',
      'gemini-2.5-flash',
      '--policy',
      '/logs/attempt-1.gemini-policy.toml',
    ]);
    expect(warnings).toEqual([
      'g runs with --approval-mode yolo (agents.g.approvalMode): it may run any command and change anything without asking',
    ]);
    const { calls } = await runGemini('success', { trustWorkspace: false });
    expect(calls[0]?.env.GEMINI_CLI_TRUST_WORKSPACE).toBeNull();
  });
});
