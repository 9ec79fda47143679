import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/adapter.js';
import type { AgentStreamReader } from '../../src/agents/agent-stream.js';
import type { CodingAgentKind, FailureKind } from '../../src/agents/classify-failure.js';
import { createClaudeStreamReader } from '../../src/agents/claude-stream.js';
import { createCodexStreamReader } from '../../src/agents/codex-stream.js';
import { codingAgentResult } from '../../src/agents/coding-agent.js';
import { createGeminiStreamReader } from '../../src/agents/gemini-stream.js';

// Real runs of Claude Code 2.1.332, Codex CLI 0.171.0 and Gemini CLI 0.61.0 (see
// fixtures/agents/captures and docs/agents.md): their stdout through milestone's stream readers,
// their exit code and stderr through the classification, exactly as a run would see them.
const DIR = resolve(import.meta.dirname, '../fixtures/agents/captures');
const read = (name: string, ext: string) => {
  try {
    return readFileSync(resolve(DIR, `${name}.${ext}`), 'utf8');
  } catch {
    return '';
  }
};

const READERS: Record<CodingAgentKind, () => AgentStreamReader> = {
  claude: createClaudeStreamReader,
  codex: createCodexStreamReader,
  gemini: createGeminiStreamReader,
};

/** Replays a capture; stops reading where the reader calls the run hopeless, as the adapter does. */
function replay(name: string) {
  const kind = name.split('-')[0] as CodingAgentKind;
  const reader = READERS[kind]();
  const events: AgentEvent[] = [];
  const lines = read(name, 'stdout')
    .split('\n')
    .filter((l) => l !== '');
  let stoppedAt: number | undefined;
  for (const [i, line] of lines.entries()) {
    events.push(...reader.read(line));
    if (reader.fatal?.() !== undefined) {
      stoppedAt = i + 1;
      break;
    }
  }
  const rc = Number(read(name, 'rc').trim());
  const result = codingAgentResult(
    kind,
    {
      // 124: the capture's own time limit killed it; here it counts as killed by milestone.
      exitCode: rc === 124 ? null : rc,
      signal: rc === 124 ? 'SIGTERM' : null,
      timedOut: false,
      canceled: false,
      durationMs: 1,
      stdoutTail: '',
      stderrTail: read(name, 'stderr').slice(-4096),
    },
    reader.report(),
    60_000,
    { stoppedEarly: stoppedAt !== undefined, now: Date.UTC(2026, 10, 30, 23, 0, 0) },
  );
  return { result, events, stoppedAt, lines: lines.length };
}

type Row = [capture: string, kind: FailureKind | 'ok', retryable: boolean, error: RegExp | null];

describe('real CLI captures, classified', () => {
  const rows: Row[] = [
    ['claude-success', 'ok', false, null],
    ['claude-denial', 'ok', false, null],
    [
      'claude-default',
      'auth',
      false,
      /^authentication: claude could not authenticate .*: Not logged in · Please run \/login$/,
    ],
    [
      'claude-badkey',
      'auth',
      false,
      /^authentication: .*API retry: authentication failed \(authentication_failed, HTTP 401\)/,
    ],
    [
      'claude-ratelimit',
      'rate_limit',
      true,
      /^rate limited or overloaded, retry later: claude exited with code 1/,
    ],
    ['claude-maxturns', 'max_turns', false, /^max turns reached/],
    ['claude-budget', 'max_budget', false, /^budget reached/],
    [
      'claude-unknown-flag',
      'config',
      false,
      /^configuration: claude exited with code 1: error: unknown option '--bogus-flag'$/,
    ],
    ['claude-no-verbose', 'config', false, /requires --verbose$/],
    ['claude-skip', 'config', false, /cannot be used with root\/sudo privileges/],
    ['claude-bypass-root', 'config', false, /cannot be used with root\/sudo privileges/],
    ['claude-max-turns-bad', 'config', false, /argument 'abc' is invalid/],
    ['codex-success', 'ok', false, null],
    ['codex-badkey', 'auth', false, /^authentication: codex could not authenticate/],
    ['codex-ratelimit', 'rate_limit', true, /429 Too Many Requests/],
    [
      'codex-nogit',
      'config',
      false,
      /Not inside a trusted directory and --skip-git-repo-check was not specified\.$/,
    ],
    ['codex-resume-layout', 'config', false, /unexpected argument '-C' found$/],
    ['gemini-success', 'ok', false, null],
    ['gemini-shell-denied', 'ok', false, null],
    ['gemini-default', 'auth', false, /Please set an Auth method/],
    ['gemini-full', 'auth', false, /Please set an Auth method/],
    [
      'gemini-untrusted-withkey',
      'config',
      false,
      /^configuration: gemini exited with code 55: Gemini CLI is not running in a trusted directory/,
    ],
    ['gemini-badkey', 'auth', false, /API key not valid/],
  ];
  it.each(rows)('%s -> %s', (capture, kind, retryable, error) => {
    const { result } = replay(capture);
    if (kind === 'ok') {
      expect(result).toMatchObject({ ok: true });
      expect(result.failureKind).toBeUndefined();
      return;
    }
    expect(result).toMatchObject({ ok: false, failureKind: kind, retryable });
    expect(result.error).toMatch(error!);
    // Colour codes never reach a message (gemini-untrusted-withkey prints red).
    expect(result.error).not.toContain('\u001b');
  });

  it('stops Claude at its first authentication retry instead of ten over three minutes', () => {
    const { stoppedAt, lines, events } = replay('claude-badkey');
    // Line 1 is init, line 2 the first api_retry with 401 authentication_failed.
    expect(stoppedAt).toBe(2);
    expect(lines).toBeGreaterThan(2);
    expect(
      events.some(
        (e) => e.type === 'progress' && e.message.startsWith('API retry 1/10: authentication_failed'),
      ),
    ).toBe(true);
  });

  it('stops Codex at its first 401 reconnect, but not at a 404 while falling back to HTTPS', () => {
    const bad = replay('codex-badkey');
    expect(bad.stoppedAt).toBe(3);
    const ok = replay('codex-success');
    expect(ok.stoppedAt).toBeUndefined();
  });

  it('counts Claude subagents through modelUsage and keeps the cost', () => {
    expect(replay('claude-success').result.usage).toEqual({
      inputTokens: 260,
      outputTokens: 30,
      costUsd: 0.0015080000000000002,
    });
  });

  it('reads Claude permission denials from a real run (curl refused in acceptEdits)', () => {
    const { result } = replay('claude-denial');
    expect(result.summary).toContain('(permission denied: Bash(curl -s http://example.com -o page.html))');
  });

  it('adds Gemini thinking tokens to its output tokens, as the other agents count them', () => {
    // stats: total 1020 = input 1000 + output 14 + 6 thinking.
    expect(replay('gemini-success').result.usage).toEqual({
      inputTokens: 1000,
      outputTokens: 20,
      costUsd: null,
    });
  });

  it("reads Codex's new usage fields", () => {
    const { result, events } = replay('codex-success');
    expect(result.usage).toEqual({ inputTokens: 1200, outputTokens: 30, costUsd: null });
    expect(events).toContainEqual({
      type: 'progress',
      message: 'tokens: 1200 in (200 cached, 0 cache writes), 30 out (10 reasoning)',
    });
  });
});
