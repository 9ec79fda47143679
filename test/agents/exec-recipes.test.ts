import { chmodSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecAdapter } from '../../src/agents/exec.js';
import { tempDir } from '../helpers/git-repo.js';
import { agentRequest, collect } from './agent-request.js';

// The documented `exec` recipes for OpenCode and Aider (examples/agents/), run through the exec
// adapter against fake CLIs that print those tools' documented output.
const never = new AbortController().signal;
const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = resolve(import.meta.dirname, '../fixtures/agents');

function recipe(tool: 'opencode' | 'aider', scenario = 'success') {
  const bin = realpathSync(tempDir('milestone-fake-bin-'));
  const file = join(bin, tool);
  writeFileSync(
    file,
    `#!${process.execPath}\nimport(${JSON.stringify(join(FIXTURES, `fake-${tool}.mjs`))});\n`,
  );
  chmodSync(file, 0o755);
  const state = tempDir('milestone-fake-state-');
  const adapter = createExecAdapter({
    name: tool,
    command: [process.execPath, join(ROOT, 'examples/agents', `${tool}.mjs`)],
    env: {
      [`${tool.toUpperCase()}_BINARY`]: file,
      FAKE_AGENT_STATE: state,
      FAKE_AGENT_SCENARIO: scenario,
    },
  });
  const calls = () =>
    readFileSync(join(state, 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[]; cwd: string; config?: string | null });
  return { adapter, calls };
}

describe('OpenCode through the exec recipe', () => {
  it('runs opencode run --format json with least permissions and reads its events', async () => {
    const { adapter, calls } = recipe('opencode');
    const request = agentRequest({ prompt: 'Create hello.txt.', verify: 'npm test' });
    const { events, result } = await collect(adapter.run(request, never));
    expect(result).toMatchObject({ ok: true, summary: 'Created hello.txt.', sessionId: 'ses_fake0001' });
    // Input counts cache reads and writes, output counts reasoning; the cost is summed.
    expect(result.usage).toEqual({ inputTokens: 2000, outputTokens: 70, costUsd: 0.003 });
    expect(readFileSync(join(request.worktree, 'hello.txt'), 'utf8')).toBe('hello from opencode\n');
    expect(events).toContainEqual({ type: 'progress', message: 'tool write hello.txt' });
    const [call] = calls();
    expect(call?.argv.slice(0, 3)).toEqual(['run', '--format', 'json']);
    expect(call?.cwd).toBe(request.worktree);
    expect(JSON.parse(call?.config ?? '{}')).toEqual({
      permission: {
        edit: 'allow',
        bash: { '*': 'deny', 'npm test': 'allow' },
        webfetch: 'deny',
        external_directory: 'deny',
      },
    });
  });

  it('denies edits and the shell in a read-only run, and reports an auth error as not retryable', async () => {
    const ro = recipe('opencode');
    await collect(ro.adapter.run(agentRequest({ prompt: 'x' }, { readOnly: true }), never));
    expect(JSON.parse(ro.calls()[0]?.config ?? '{}').permission).toMatchObject({
      edit: 'deny',
      bash: 'deny',
    });
    const { adapter } = recipe('opencode', 'auth');
    const { result } = await collect(adapter.run(agentRequest({ prompt: 'x' }), never));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.error).toContain('Invalid API key (401 Unauthorized)');
  });
});

describe('Aider through the exec recipe', () => {
  it('runs aider --message headless without auto-commits or shell suggestions; usage from its Tokens line', async () => {
    const { adapter, calls } = recipe('aider');
    const request = agentRequest({ prompt: 'Create hello.txt.' });
    const { events, result } = await collect(adapter.run(request, never));
    expect(result).toMatchObject({ ok: true, summary: 'Applied edit to hello.txt' });
    expect(result.usage).toEqual({ inputTokens: 2300, outputTokens: 104, costUsd: 0.0091 });
    expect(readFileSync(join(request.worktree, 'hello.txt'), 'utf8')).toBe('hello from aider\n');
    expect(events).toContainEqual({ type: 'progress', message: 'Applied edit to hello.txt' });
    expect(calls()[0]?.argv).toEqual([
      '--message',
      'Create hello.txt.',
      '--yes-always',
      '--no-auto-commits',
      '--no-suggest-shell-commands',
      '--no-check-update',
      '--no-pretty',
      '--no-stream',
    ]);
  });

  it('passes --dry-run when read-only, and fails with its error line', async () => {
    const ro = recipe('aider');
    await collect(ro.adapter.run(agentRequest({ prompt: 'x' }, { readOnly: true }), never));
    expect(ro.calls()[0]?.argv).toContain('--dry-run');
    const { adapter } = recipe('aider', 'fail');
    const { result } = await collect(adapter.run(agentRequest({ prompt: 'x' }), never));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.error).toContain('invalid x-api-key (401)');
  });
});
