import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/adapter.js';
import type { ClaudeOptions } from '../../src/agents/claude.js';
import { claudeArgs, claudeResumeArgs, createClaudeAdapter } from '../../src/agents/claude.js';
import { tempDir } from '../helpers/git-repo.js';
import { agentRequest, collect } from './agent-request.js';
import { fakeCalls, fakeEnv, useFakeAgentsOnPath } from './fake-agents.js';

useFakeAgentsOnPath();
const never = new AbortController().signal;

// The engine itself may run inside Claude Code: the variable must not reach the child.
let savedClaudeCode: string | undefined;
beforeAll(() => {
  savedClaudeCode = process.env.CLAUDECODE;
  process.env.CLAUDECODE = '1';
});
afterAll(() => {
  if (savedClaudeCode === undefined) delete process.env.CLAUDECODE;
  else process.env.CLAUDECODE = savedClaudeCode;
});

async function runClaude(
  scenario: string,
  options: ClaudeOptions = {},
  state = tempDir('milestone-fake-state-'),
) {
  const adapter = createClaudeAdapter('claude', {
    ...options,
    env: { ...fakeEnv(scenario, state), ...options.env },
  });
  const request = agentRequest({ prompt: 'Add a greeting file.', verify: 'npm test' });
  const run = await collect(adapter.run(request, never));
  return { ...run, request, calls: fakeCalls(state) };
}

const progress = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'progress' ? [e.message] : []));

describe('claude agent', () => {
  it('runs Claude Code in the worktree with least permissions and reads its stream', async () => {
    const { events, result, request, calls } = await runClaude('success', {
      env: { FAKE_SECRET_TOKEN: 'sk-test-very-secret-value' },
    });

    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      summary: 'Created hello.txt; npm test passes.',
      sessionId: '5f0e6a52-2c4b-4f7e-9a31-1d2b3c4d5e6f',
      retryable: false,
    });
    expect(result.error).toBeUndefined();
    // Cost from total_cost_usd; input counts cache writes and reads too.
    expect(result.usage).toEqual({ inputTokens: 37115, outputTokens: 167, costUsd: 0.0421 });
    expect(readFileSync(join(request.worktree, 'hello.txt'), 'utf8')).toBe('hello from claude\n');

    const [call] = calls;
    expect(calls).toHaveLength(1);
    expect(call?.cwd).toBe(request.worktree);
    expect(call?.argv.slice(0, 1)).toEqual(['-p']);
    expect(call?.argv.slice(2)).toEqual([
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      // Exactly these tools exist in the session: no EnterWorktree, CronCreate, WebFetch, ...
      '--tools',
      'Read,Edit,Write,Glob,Grep,Bash',
      '--allowedTools',
      'Read,Edit,Write,Glob,Grep,Bash(npm test)',
      '--strict-mcp-config',
    ]);
    expect(call?.argv[1]).toContain('Add a greeting file.');
    expect(call?.env).toMatchObject({
      CLAUDECODE: null,
      MILESTONE_TASK_ID: 't1',
      FAKE_SECRET_TOKEN: 'sk-test-very-secret-value',
    });

    const usages = events.flatMap((e) => (e.type === 'usage' ? [e.usage] : []));
    // One API message spans several lines repeating its usage: counted once (by message.id).
    expect(usages.at(-2)).toEqual({ inputTokens: 37115, outputTokens: 167, costUsd: null });
    expect(usages.at(-1)).toEqual(result.usage);
    expect(events.filter((e) => e.type === 'session')).toEqual([
      { type: 'session', sessionId: '5f0e6a52-2c4b-4f7e-9a31-1d2b3c4d5e6f' },
    ]);
    expect(progress(events)).toEqual([
      'claude 2.0.14 started (claude-sonnet-4-5-20250929, permission mode acceptEdits)',
      "I'll create hello.txt with a greeting.",
      'tool Write /home/dev/project/hello.txt',
      'tool Bash npm test',
      'Created hello.txt; npm test passes.',
      'finished: success after 5 turns',
    ]);

    const log = readFileSync(request.logFile, 'utf8');
    expect(log).toContain('--- milestone: prompt ---\nYou are doing task t1');
    expect(log).toContain('FAKE_SECRET_TOKEN=[redacted]');
    expect(log).toContain('-CLAUDECODE');
    expect(log).not.toContain('sk-test-very-secret-value');
    expect(log).toContain('"type":"result","subtype":"success"');
  });

  it('surfaces permission denials in progress and the summary', async () => {
    const { events, result } = await runClaude('permission-denied');
    expect(result.ok).toBe(true);
    expect(result.summary).toBe(
      'Created hello.txt. I could not clean the build folder. (permission denied: Bash(rm -rf build))',
    );
    expect(progress(events)).toContain('permission denied: Bash(rm -rf build)');
    expect(progress(events)).toContain(
      "tool error: Claude requested permissions to use Bash, but you haven't granted it yet.",
    );
  });

  it('fails on an error result even with exit code 0', async () => {
    const { result } = await runClaude('error-result');
    expect(result).toMatchObject({ ok: false, exitCode: 0, retryable: true });
    expect(result.error).toMatch(/^claude reported an error: API Error: 500 /);
    // Claude reported a cost of 0 for the failed call: zero, not unknown.
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it('does not retry a run that stopped at its turn limit', async () => {
    const { result } = await runClaude('max-turns', { maxTurns: 3 });
    expect(result).toMatchObject({ ok: false, exitCode: 1, retryable: false });
    expect(result.error).toBe('max turns reached: claude stopped at its turn limit: error_max_turns');
    expect(result.usage.costUsd).toBe(0.0187);
  });

  it('marks a usage limit retryable after its reset time, and the retry succeeds', async () => {
    const state = tempDir('milestone-fake-state-');
    const first = await runClaude('rate-limit-then-success', {}, state);
    // A rejected five_hour window is the plan's usage limit; rate_limit_event says when it resets.
    expect(first.result).toMatchObject({
      ok: false,
      retryable: true,
      failureKind: 'usage_limit',
      retryAt: 1790421000 * 1000,
    });
    expect(first.result.error).toMatch(
      /^usage limit reached: claude exited with code 1: API Error: Request rejected \(429\)/,
    );
    expect(progress(first.events)).toContain('API retry 1/10: rate_limit (HTTP 429), next in 5.0s');
    expect(progress(first.events)).toContain('rate limit reached (five_hour)');

    const second = await runClaude('rate-limit-then-success', {}, state);
    expect(second.result).toMatchObject({ ok: true, retryable: false });
    expect(second.calls.map((c) => c.call)).toEqual([1, 2]);
  });

  it('calls a crash without a result line retryable, keeping the usage seen so far', async () => {
    const { result } = await runClaude('crash');
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      retryable: true,
      error: 'claude exited with code 1 without a final result: Error: read ECONNRESET',
      summary: 'claude exited with code 1 without a final result: Error: read ECONNRESET',
    });
    expect(result.usage).toEqual({ inputTokens: 12004, outputTokens: 52, costUsd: null });
  });

  it('stops on an authentication failure instead of retrying', async () => {
    const { result } = await runClaude('auth');
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.error).toMatch(
      /^authentication: claude could not authenticate .*Invalid API key · Please run \/login$/,
    );
  });

  it('skips permissions only when the config says so, with a warning in the log', async () => {
    const { events, result, request, calls } = await runClaude('success', {
      dangerouslySkipPermissions: true,
      extraArgs: ['--proxy-token', 'tok-in-args-123456'],
    });
    expect(result.ok).toBe(true);
    expect(calls[0]?.argv).toContain('--dangerously-skip-permissions');
    expect(calls[0]?.argv).not.toContain('--permission-mode');
    const warning =
      'claude runs with --dangerously-skip-permissions (agents.claude.dangerouslySkipPermissions): it may run any command and change anything without asking';
    expect(progress(events)[0]).toBe(`warning: ${warning}`);
    const log = readFileSync(request.logFile, 'utf8');
    expect(log).toContain(`--- milestone: WARNING: ${warning} ---`);
    expect(log).toContain('--proxy-token [redacted]');
    expect(log).not.toContain('tok-in-args-123456');
  });

  it('passes the configured options', () => {
    const request = agentRequest({ verify: 'npm test' });
    const { args, warnings } = claudeArgs(
      'claude',
      request,
      {
        model: 'sonnet',
        permissionMode: 'plan',
        allowedTools: ['Bash(npm run lint)', 'Read'],
        disallowedTools: ['WebFetch', 'Bash(git push *)'],
        buildCommands: ['npm run build'],
        maxTurns: 12,
        maxBudgetUsd: 1.5,
        extraArgs: ['--append-system-prompt', 'Be brief.'],
      },
      'PROMPT',
    );
    expect(args).toEqual([
      '-p',
      'PROMPT',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'plan',
      '--tools',
      'Read,Edit,Write,Glob,Grep,Bash',
      '--allowedTools',
      'Read,Edit,Write,Glob,Grep,Bash(npm test),Bash(npm run build),Bash(npm run lint)',
      '--strict-mcp-config',
      '--disallowedTools',
      'WebFetch,Bash(git push *)',
      '--model',
      'sonnet',
      '--max-turns',
      '12',
      '--max-budget-usd',
      '1.5',
      '--append-system-prompt',
      'Be brief.',
    ]);
    expect(warnings).toEqual([]);
    expect(claudeArgs('c', request, { permissionMode: 'bypassPermissions' }, 'P').warnings).toHaveLength(1);
    expect(claudeArgs('c', request, { extraArgs: ['--dangerously-skip-permissions'] }, 'P').warnings).toEqual(
      [
        'c runs with --dangerously-skip-permissions (from agents.c.extraArgs): it may run any command and change anything without asking',
      ],
    );
  });

  it('probes the binary on PATH with its version', async () => {
    expect(await createClaudeAdapter().probe()).toEqual({
      available: true,
      version: '2.0.14 (Claude Code)',
      loggedIn: true,
    });
    const missing = createClaudeAdapter('claude', { binary: 'milestone-no-such-claude' });
    expect(await missing.probe()).toEqual({
      available: false,
      reason: 'binary `milestone-no-such-claude` not found on PATH',
    });
    const { events, result } = await collect(missing.run(agentRequest({ prompt: 'x' }), never));
    expect(events).toHaveLength(1);
    expect(result).toMatchObject({
      ok: false,
      retryable: false,
      error: 'binary `milestone-no-such-claude` not found on PATH',
    });
  });

  it('stops the agent when canceled, and says a retry will not help', async () => {
    const controller = new AbortController();
    const adapter = createClaudeAdapter('claude', { env: fakeEnv('hang') });
    const request = agentRequest({ prompt: 'x' }, { graceMs: 500 });
    const types: string[] = [];
    let result: unknown;
    for await (const event of adapter.run(request, controller.signal)) {
      types.push(event.type);
      if (event.type === 'session') controller.abort();
      if (event.type === 'result') result = event.result;
    }
    expect(types.at(-1)).toBe('result');
    expect(result).toMatchObject({
      ok: false,
      canceled: true,
      error: 'canceled',
      retryable: false,
      sessionId: '5f0e6a52-2c4b-4f7e-9a31-1d2b3c4d5e6f',
    });
  });

  it('resumes a session with --resume=<id>', () => {
    expect(claudeResumeArgs('abc-123')).toEqual(['--resume=abc-123']);
    expect(createClaudeAdapter().resumeArgs?.('abc-123')).toEqual(['--resume=abc-123']);
  });
});
