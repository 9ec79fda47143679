import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentRequest } from '../../src/agents/adapter.js';
import type { AgentStreamReader } from '../../src/agents/agent-stream.js';
import { claudeArgs } from '../../src/agents/claude.js';
import { createClaudeStreamReader } from '../../src/agents/claude-stream.js';
import { codexArgs } from '../../src/agents/codex.js';
import { createCodexStreamReader } from '../../src/agents/codex-stream.js';
import { execAgentInput } from '../../src/agents/exec-protocol.js';
import { geminiArgs } from '../../src/agents/gemini.js';
import { createGeminiStreamReader } from '../../src/agents/gemini-stream.js';
import { agentPrompt } from '../../src/agents/task-prompt.js';

// What the planner needs from the adapters: read-only runs, its own prompt, the final answer.
const request: AgentRequest = {
  milestoneId: 'm1',
  task: { id: 'planner', title: 'Plan', phase: 'design', files: [], verify: 'npm test' },
  worktree: '/repo',
  attempt: 1,
  logFile: '/logs/planner-attempt-1.log',
  timeoutMs: 1000,
  fullPrompt: 'PLAN IT',
  readOnly: true,
};

describe('read-only runs', () => {
  it('claude: plan mode, read tools only, whatever the config says', () => {
    const { args } = claudeArgs(
      'claude',
      request,
      { permissionMode: 'acceptEdits', dangerouslySkipPermissions: true, disallowedTools: ['WebFetch'] },
      'PLAN IT',
    );
    expect(args.slice(0, 2)).toEqual(['-p', 'PLAN IT']);
    expect(args).toEqual(
      expect.arrayContaining([
        '--permission-mode',
        'plan',
        // Exactly these three tools exist in the session (capture claude-tools-flag); no MCP server.
        '--tools',
        'Read,Glob,Grep',
        '--strict-mcp-config',
      ]),
    );
    expect(args).not.toContain('--allowedTools');
    expect(args).not.toContain('--dangerously-skip-permissions');
    expect(args.filter((a) => a === '--permission-mode')).toHaveLength(1);
  });

  it('codex: the read-only sandbox; gemini: default approval, no allow rules', () => {
    const codex = codexArgs('codex', request, { sandbox: 'danger-full-access' }, 'PLAN IT').args;
    expect(codex.slice(0, 6)).toEqual(['exec', '--json', '-C', '/repo', '--sandbox', 'read-only']);
    const gemini = geminiArgs(
      'gemini',
      { approvalMode: 'yolo', allowedTools: ['run_shell_command'] },
      'PLAN IT',
      true,
    );
    expect(gemini.args).toEqual([
      '-p',
      'PLAN IT',
      '--output-format',
      'stream-json',
      '--approval-mode',
      'default',
    ]);
  });

  it('the prompt is sent as is; exec agents get it as `prompt` with readOnly: true', () => {
    expect(agentPrompt(request)).toBe('PLAN IT');
    const { fullPrompt: _, ...taskRequest } = request;
    expect(agentPrompt(taskRequest)).toContain('You are doing task planner');
    expect(execAgentInput(request)).toMatchObject({ prompt: 'PLAN IT', readOnly: true });
    expect(execAgentInput({ ...request, readOnly: false })).not.toHaveProperty('readOnly');
  });
});

const AGENT_FIXTURES = resolve(import.meta.dirname, '../fixtures/agents');

function replay(reader: AgentStreamReader, agent: string): string | undefined {
  for (const line of readFileSync(join(AGENT_FIXTURES, agent, 'success.jsonl'), 'utf8').split('\n')) {
    reader.read(line);
  }
  return reader.report().output;
}

describe('the final answer in full (AgentResult.output)', () => {
  it("is Claude's result text, Codex's last agent message, Gemini's last assistant message", () => {
    expect(replay(createClaudeStreamReader(), 'claude')).toBe('Created hello.txt; npm test passes.');
    expect(replay(createCodexStreamReader(), 'codex')).toBe(
      'Added hello.txt with a greeting.\nNothing else changed.',
    );
    expect(replay(createGeminiStreamReader(), 'gemini')).toBe('Created hello.txt with a greeting.');
  });
});
