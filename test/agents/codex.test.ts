import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/adapter.js';
import type { CodexOptions } from '../../src/agents/codex.js';
import { codexArgs, codexResumeArgs, createCodexAdapter } from '../../src/agents/codex.js';
import { tempDir } from '../helpers/git-repo.js';
import { agentRequest, collect } from './agent-request.js';
import { fakeCalls, fakeEnv, useFakeAgentsOnPath } from './fake-agents.js';

useFakeAgentsOnPath();
const never = new AbortController().signal;

async function runCodex(
  scenario: string,
  options: CodexOptions = {},
  state = tempDir('milestone-fake-state-'),
) {
  const adapter = createCodexAdapter('codex', { ...options, env: fakeEnv(scenario, state) });
  const request = agentRequest({ prompt: 'Add a greeting file.', verify: 'npm test' });
  const run = await collect(adapter.run(request, never));
  return { ...run, request, calls: fakeCalls(state) };
}

const progress = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'progress' ? [e.message] : []));

describe('codex agent', () => {
  it('runs codex exec --json in a workspace-write sandbox and reads its events', async () => {
    const { events, result, request, calls } = await runCodex('success');
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      summary: 'Added hello.txt with a greeting. Nothing else changed.',
      sessionId: '0199a213-81c0-7800-8aa1-bbab2a035a53',
    });
    // Codex reports tokens but no price: the cost is unknown (null), not 0.
    expect(result.usage).toEqual({ inputTokens: 24763, outputTokens: 122, costUsd: null });
    expect(readFileSync(join(request.worktree, 'hello.txt'), 'utf8')).toBe('hello from codex\n');

    expect(calls[0]?.cwd).toBe(request.worktree);
    expect(calls[0]?.argv.slice(0, -1)).toEqual([
      'exec',
      '--json',
      '-C',
      request.worktree,
      '--sandbox',
      'workspace-write',
    ]);
    expect(calls[0]?.argv.at(-1)).toContain('When you are done, this command must exit 0');
    expect(progress(events)).toEqual([
      'turn 1 started',
      'run bash -lc ls',
      'add /home/dev/project/hello.txt',
      'Added hello.txt with a greeting.',
      'tokens: 24763 in (24448 cached), 122 out',
    ]);
    expect(events).toContainEqual({ type: 'session', sessionId: '0199a213-81c0-7800-8aa1-bbab2a035a53' });
  });

  it('fails on turn.failed even with exit code 0', async () => {
    const { result } = await runCodex('error-result');
    expect(result).toMatchObject({
      ok: false,
      exitCode: 0,
      retryable: true,
      error: 'codex reported an error: unexpected status 500 Internal Server Error',
    });
    expect(result.usage).toEqual({ inputTokens: null, outputTokens: null, costUsd: null });
  });

  it('marks a rate limit retryable, and the retry succeeds', async () => {
    const state = tempDir('milestone-fake-state-');
    const first = await runCodex('rate-limit-then-success', {}, state);
    expect(first.result).toMatchObject({ ok: false, exitCode: 1, retryable: true });
    expect(first.result.error).toBe(
      'rate limited or overloaded, retry later: codex exited with code 1: exceeded retry limit, last status: 429 Too Many Requests',
    );
    const second = await runCodex('rate-limit-then-success', {}, state);
    expect(second.result).toMatchObject({ ok: true, retryable: false });
  });

  it('calls a crash without turn.completed retryable', async () => {
    const { result } = await runCodex('crash');
    expect(result).toMatchObject({
      ok: false,
      exitCode: 101,
      retryable: true,
      error:
        "codex exited with code 101 without a final result: thread 'main' panicked at core/src/exec.rs:412:9:",
    });
  });

  it('stops on an authentication failure instead of retrying', async () => {
    const { result } = await runCodex('auth');
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.error).toMatch(
      /^authentication: codex could not authenticate \(run `codex login`.*401 Unauthorized/,
    );
  });

  it('passes the configured options and warns about full access', () => {
    const request = agentRequest();
    const { args, warnings } = codexArgs(
      'cx',
      request,
      {
        sandbox: 'danger-full-access',
        skipGitRepoCheck: true,
        model: 'gpt-5-codex',
        extraArgs: ['-c', 'x=1'],
      },
      'PROMPT',
    );
    expect(args).toEqual([
      'exec',
      '--json',
      '-C',
      request.worktree,
      '--sandbox',
      'danger-full-access',
      '--skip-git-repo-check',
      '-m',
      'gpt-5-codex',
      '-c',
      'x=1',
      'PROMPT',
    ]);
    expect(warnings).toEqual([
      'cx runs with --sandbox danger-full-access (agents.cx.sandbox): it may run any command and change anything without asking',
    ]);
    expect(codexArgs('cx', request, {}, 'P').args).not.toContain('--skip-git-repo-check');
  });

  it('probes the binary and resumes with its options before `resume <thread_id>`', async () => {
    expect(await createCodexAdapter().probe()).toEqual({ available: true, version: 'codex-cli 0.46.0' });
    expect(codexResumeArgs('t-1')).toEqual(['resume', 't-1']);
    // The order Codex 0.171 accepts (capture codex-resume-sdk-layout); options after `resume`
    // fail with "unexpected argument '-C'" (capture codex-resume-layout).
    const request = agentRequest({}, { resumeSessionId: 't-1' });
    expect(codexArgs('codex', request, { model: 'm' }, 'PROMPT').args).toEqual([
      'exec',
      '--json',
      '-C',
      request.worktree,
      '--sandbox',
      'workspace-write',
      '-m',
      'm',
      'resume',
      't-1',
      'PROMPT',
    ]);
  });
});
