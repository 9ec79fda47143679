import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AgentAdapter, AgentEvent } from '../../src/agents/adapter.js';
import { createClaudeAdapter } from '../../src/agents/claude.js';
import { createCodexAdapter } from '../../src/agents/codex.js';
import { tempDir } from '../helpers/git-repo.js';
import { agentRequest, collect } from './agent-request.js';
import { fakeCalls, useFakeAgentsOnPath } from './fake-agents.js';

// The fakes replay real runs (fixtures/agents/captures); a capture that the real CLI would
// continue for minutes is cut after a few lines and then hangs, so only an early stop ends it
// before the test's own time limit.
useFakeAgentsOnPath();
const never = new AbortController().signal;
const progress = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'progress' ? [e.message] : []));

function replaying(make: (env: Record<string, string>) => AgentAdapter, env: Record<string, string>) {
  const state = tempDir('milestone-fake-state-');
  return { adapter: make({ FAKE_AGENT_STATE: state, ...env }), state };
}

describe('fail fast on a refused key', () => {
  it('stops Claude at the first authentication retry and reports an auth failure', async () => {
    const { adapter } = replaying((env) => createClaudeAdapter('claude', { env }), {
      FAKE_AGENT_CAPTURE: 'claude-badkey',
      FAKE_AGENT_HANG_AFTER: '4',
    });
    const request = agentRequest({ prompt: 'x' }, { timeoutMs: 120_000, graceMs: 200 });
    const { events, result } = await collect(adapter.run(request, never));
    expect(result).toMatchObject({
      ok: false,
      canceled: false,
      timedOut: false,
      retryable: false,
      failureKind: 'auth',
    });
    expect(result.error).toMatch(/^authentication: claude could not authenticate/);
    expect(progress(events)).toContain(
      'stopping at once: authentication failed (authentication_failed, HTTP 401)',
    );
    expect(readFileSync(request.logFile, 'utf8')).toContain('--- milestone: stopping claude at once:');
  });

  it('stops Codex at its first 401 reconnect', async () => {
    const { adapter } = replaying((env) => createCodexAdapter('codex', { env }), {
      FAKE_AGENT_CAPTURE: 'codex-badkey',
      FAKE_AGENT_HANG_AFTER: '4',
    });
    const { result } = await collect(
      adapter.run(agentRequest({ prompt: 'x' }, { timeoutMs: 120_000, graceMs: 200 }), never),
    );
    expect(result).toMatchObject({ ok: false, canceled: false, failureKind: 'auth', retryable: false });
  });
});

describe('resuming a session', () => {
  it('continues the session when the CLI knows it, and says so', async () => {
    const { adapter, state } = replaying((env) => createClaudeAdapter('claude', { env }), {
      FAKE_AGENT_CAPTURE: 'claude-success',
    });
    const request = agentRequest({ prompt: 'x' }, { resumeSessionId: 'abc-123' });
    const { events, result } = await collect(adapter.run(request, never));
    expect(result).toMatchObject({ ok: true, resumed: true });
    expect(fakeCalls(state).map((c) => c.argv.filter((a) => a.startsWith('--resume')))).toEqual([
      ['--resume=abc-123'],
    ]);
    expect(progress(events)[0]).toBe('resuming session abc-123');
  });

  it('starts fresh when the CLI does not know the session (capture claude-resume-bogus)', async () => {
    const { adapter, state } = replaying((env) => createClaudeAdapter('claude', { env }), {
      FAKE_AGENT_CAPTURE: 'claude-resume-bogus,claude-success',
    });
    const request = agentRequest(
      { prompt: 'x' },
      { resumeSessionId: '0a687780-9895-4039-a34f-f26b19faebd5' },
    );
    const { events, result } = await collect(adapter.run(request, never));
    expect(result).toMatchObject({ ok: true, resumed: false });
    const calls = fakeCalls(state);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.argv).toContain('--resume=0a687780-9895-4039-a34f-f26b19faebd5');
    expect(calls[1]?.argv.some((a) => a.startsWith('--resume'))).toBe(false);
    expect(progress(events).find((m) => m.startsWith('could not resume'))).toMatch(
      /^could not resume session 0a687780-9895-4039-a34f-f26b19faebd5 \(.*\); starting fresh$/,
    );
    expect(readFileSync(request.logFile, 'utf8')).toContain('starting fresh ---');
  });

  it('starts Codex fresh when it has no rollout for the thread (capture codex-resume-sdk-layout)', async () => {
    const { adapter, state } = replaying((env) => createCodexAdapter('codex', { env }), {
      FAKE_AGENT_CAPTURE: 'codex-resume-sdk-layout,codex-success',
    });
    const request = agentRequest({ prompt: 'x' }, { resumeSessionId: 't-1' });
    const { result } = await collect(adapter.run(request, never));
    expect(result).toMatchObject({ ok: true, resumed: false });
    const calls = fakeCalls(state);
    expect(calls[0]?.argv.slice(-3, -1)).toEqual(['resume', 't-1']);
    expect(calls[1]?.argv).not.toContain('resume');
  });
});
