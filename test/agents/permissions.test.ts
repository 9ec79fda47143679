import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeArgs, createClaudeAdapter } from '../../src/agents/claude.js';
import { codexArgs } from '../../src/agents/codex.js';
import { createGeminiAdapter, geminiArgs, geminiPolicy } from '../../src/agents/gemini.js';
import { CLAUDE_FORBIDDEN_TOOLS } from '../../src/agents/permissions.js';
import { resolveAgents } from '../../src/agents/registry.js';
import { tempDir } from '../helpers/git-repo.js';
import { agentRequest, collect } from './agent-request.js';
import { fakeCalls, fakeEnv, useFakeAgentsOnPath } from './fake-agents.js';

// Each row of the permission table in docs/agents.md, proven here or by a capture of the real CLI.
useFakeAgentsOnPath();
const never = new AbortController().signal;
const CAPTURES = resolve(import.meta.dirname, '../fixtures/agents/captures');
const capture = (name: string, ext: string) => readFileSync(resolve(CAPTURES, `${name}.${ext}`), 'utf8');
const captureLines = (name: string) =>
  capture(name, 'stdout')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const initTools = (name: string) =>
  (captureLines(name).find((l) => l.type === 'system' && l.subtype === 'init')?.tools as string[]) ?? [];
/** Tool results of a capture by tool_use id: whether each was an error (refused or failed). */
const toolErrors = (name: string) => {
  const out: Record<string, boolean> = {};
  for (const line of captureLines(name)) {
    if (line.type !== 'user') continue;
    const content = (line.message as { content: Array<Record<string, unknown>> }).content;
    for (const part of content) {
      if (part.type === 'tool_result') out[part.tool_use_id as string] = part.is_error === true;
    }
  }
  return out;
};

describe('claude permission levels', () => {
  it('read-only: exactly Read, Glob, Grep and no MCP server (capture claude-tools-flag)', () => {
    const request = agentRequest({}, { readOnly: true });
    const { args } = claudeArgs('claude', request, { dangerouslySkipPermissions: true }, 'hi');
    // The argv the real CLI ran with, after the prompt: the same flags.
    const real = capture('claude-tools-flag', 'argv').trim().split('\n').slice(3);
    expect(args.slice(2)).toEqual(real);
    expect(initTools('claude-tools-flag')).toEqual(['Glob', 'Grep', 'Read']);
    // Without --tools the same read-only run had EnterWorktree, and used it (claude-readonly-probe).
    expect(initTools('claude-readonly-probe')).toContain('EnterWorktree');
    expect(capture('claude-readonly-probe', 'stdout')).toContain('on branch “worktree-sneaky”');
  });

  it('edit (a task): an explicit tool list without worktree, scheduling or web tools', () => {
    const request = agentRequest({ verify: 'npm test' });
    const { args } = claudeArgs('claude', request, {}, 'P');
    const tools = args[args.indexOf('--tools') + 1]!.split(',');
    expect(tools).toEqual(['Read', 'Edit', 'Write', 'Glob', 'Grep', 'Bash']);
    expect(args).toContain('--strict-mcp-config');
    // The task argv before this change exposed EnterWorktree, and Claude used it.
    expect(initTools('claude-default-enterworktree')).toEqual(
      expect.arrayContaining(['EnterWorktree', 'WebFetch']),
    );
    expect(capture('claude-default-enterworktree', 'argv')).not.toContain('--tools');
  });

  it('edit: acceptEdits runs file-system commands inside the worktree, refuses others and paths outside', () => {
    // claude-success: `rm -rf build` in the working directory ran (not an error).
    expect(toolErrors('claude-success')).toEqual({ toolu_write1: false, toolu_bash1: false });
    // claude-denial: `curl ...` needs an allow rule: refused.
    expect(toolErrors('claude-denial').toolu_bash1).toBe(true);
    // claude-rm-outside: `rm -rf ../sibling` is outside the working directory: refused.
    expect(toolErrors('claude-rm-outside').toolu_bash1).toBe(true);
    expect(capture('claude-rm-outside', 'stdout')).toContain('The path is outside the working directories');
  });

  it('full (skip permissions): more tools, still never the forbidden ones, and a warning', () => {
    const request = agentRequest();
    const { args, warnings } = claudeArgs('claude', request, { dangerouslySkipPermissions: true }, 'P');
    const tools = args[args.indexOf('--tools') + 1]!.split(',');
    expect(tools).toEqual(expect.arrayContaining(['Bash', 'WebFetch', 'WebSearch']));
    for (const forbidden of CLAUDE_FORBIDDEN_TOOLS) expect(tools).not.toContain(forbidden);
    expect(warnings).toHaveLength(1);
    // Configured tools replace the level's list; allow rules bring their tool along.
    const custom = claudeArgs(
      'claude',
      request,
      { tools: ['Read', 'Edit'], allowedTools: ['Bash(make)'] },
      'P',
    ).args;
    expect(custom[custom.indexOf('--tools') + 1]).toBe('Read,Edit,Bash');
  });

  it('refuses EnterWorktree in a configured tool list, naming the field', () => {
    const { problems } = resolveAgents({ claude: { type: 'claude', tools: ['Read', 'EnterWorktree'] } });
    expect(problems.map((p) => p.location?.field)).toEqual(['agents.claude.tools']);
    expect(problems[0]?.message).toMatch(/^must not contain EnterWorktree, ExitWorktree/);
  });
});

describe('codex and gemini permission levels', () => {
  it('codex: read-only sandbox for read-only runs, workspace-write for tasks', () => {
    const ro = codexArgs(
      'codex',
      agentRequest({}, { readOnly: true }),
      { sandbox: 'danger-full-access' },
      'P',
    );
    expect(ro.args.slice(4, 6)).toEqual(['--sandbox', 'read-only']);
    expect(codexArgs('codex', agentRequest(), {}, 'P').args.slice(4, 6)).toEqual([
      '--sandbox',
      'workspace-write',
    ]);
  });

  it('gemini: a read-only run denies every writing tool by policy; allow rules become policy, not --allowed-tools', async () => {
    expect(geminiPolicy({}, true)).toContain('toolName = "run_shell_command"\ndecision = "deny"');
    expect(geminiPolicy({}, false)).toBeNull();
    expect(geminiPolicy({ allowedTools: ['run_shell_command(npm test)', 'write_file'] }, false)).toBe(
      '# written by milestone for one attempt\n' +
        '[[rule]]\ntoolName = "run_shell_command"\ncommandPrefix = "npm test"\ndecision = "allow"\npriority = 100\n\n' +
        '[[rule]]\ntoolName = "write_file"\ndecision = "allow"\npriority = 100\n',
    );
    expect(geminiArgs('g', {}, 'P', true).args).toEqual([
      '-p',
      'P',
      '--output-format',
      'stream-json',
      '--approval-mode',
      'default',
    ]);
    // A real run: the policy file is passed and lies beside the attempt log, outside the worktree.
    const state = tempDir('milestone-fake-state-');
    const adapter = createGeminiAdapter('gemini', { env: fakeEnv('success', state) });
    const request = agentRequest({ prompt: 'x' }, { readOnly: true });
    await collect(adapter.run(request, never));
    const argv = fakeCalls(state)[0]!.argv;
    const file = argv[argv.indexOf('--policy') + 1]!;
    expect(file.startsWith(request.worktree)).toBe(false);
    expect(readFileSync(file, 'utf8')).toContain('decision = "deny"');
    // The deprecated flag is gone (gemini-full shows its deprecation warning).
    expect(argv).not.toContain('--allowed-tools');
    expect(capture('gemini-full', 'stderr')).toContain('--allowed-tools cli argument');
  });

  it('gemini: auto_edit headless has no shell tool at all (capture gemini-shell-denied)', () => {
    expect(capture('gemini-shell-denied', 'argv')).toContain('auto_edit');
    expect(capture('gemini-shell-denied', 'stdout')).toContain('"type":"tool_not_registered"');
  });
});

describe('claude login probe', () => {
  it('says claude is not available when `claude auth status` says logged out and no key is set', async () => {
    const out = createClaudeAdapter('claude', { env: { FAKE_AGENT_SCENARIO: 'logged-out' } });
    expect(await out.probe()).toEqual({
      available: false,
      loggedIn: false,
      version: '2.0.14 (Claude Code)',
      reason: 'claude is not logged in (run `claude` and /login, or set ANTHROPIC_API_KEY)',
    });
    const withKey = createClaudeAdapter('claude', {
      env: { FAKE_AGENT_SCENARIO: 'logged-out', ANTHROPIC_API_KEY: 'sk-test' },
    });
    expect(await withKey.probe()).toEqual({ available: true, version: '2.0.14 (Claude Code)' });
  });
});
