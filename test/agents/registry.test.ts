import { describe, expect, it } from 'vitest';
import { builtinAdapters, resolveAgents } from '../../src/agents/registry.js';

describe('agent registry', () => {
  it('has shell, claude, codex and gemini built in', () => {
    expect([...builtinAdapters().keys()]).toEqual(['shell', 'claude', 'codex', 'gemini']);
    const { adapters, problems } = resolveAgents(undefined);
    expect(problems).toEqual([]);
    expect(adapters.get('shell')?.name).toBe('shell');
    expect(adapters.get('claude')?.resumeArgs?.('s1')).toEqual(['--resume=s1']);
  });

  it('adds coding agents from config, checking their options', async () => {
    const { adapters, problems } = resolveAgents({
      claude: {
        type: 'claude',
        model: 'sonnet',
        permissionMode: 'plan',
        maxTurns: 20,
        allowedTools: ['Bash(make)'],
      },
      fastcodex: { type: 'codex', sandbox: 'read-only', binary: 'milestone-no-such-codex' },
      gem: { type: 'gemini', approvalMode: 'default', trustWorkspace: false },
    });
    expect(problems).toEqual([]);
    expect([...adapters.keys()].sort()).toEqual(['claude', 'codex', 'fastcodex', 'gem', 'gemini', 'shell']);
    expect(adapters.get('gem')?.name).toBe('gem');
    expect(await adapters.get('fastcodex')?.probe()).toEqual({
      available: false,
      reason: 'binary `milestone-no-such-codex` not found on PATH',
    });
  });

  it('names the field of each bad coding-agent option', () => {
    const { problems } = resolveAgents({
      c1: { type: 'claude', permissionMode: 'yolo', maxTurns: 0, allowedTools: 'Read' },
      c2: { type: 'codex', sandbox: 'none', skipGitRepoCheck: 'yes' },
      g1: { type: 'gemini', approvalMode: 'auto', extraArgs: [1], modle: 'x' },
    });
    expect(problems.map((p) => p.location?.field).sort()).toEqual([
      'agents.c1.allowedTools',
      'agents.c1.maxTurns',
      'agents.c1.permissionMode',
      'agents.c2.sandbox',
      'agents.c2.skipGitRepoCheck',
      'agents.g1.approvalMode',
      'agents.g1.extraArgs.0',
      'agents.g1.modle',
    ]);
    const byField = Object.fromEntries(problems.map((p) => [p.location?.field, p.message]));
    expect(byField['agents.c1.permissionMode']).toContain('acceptEdits');
    expect(byField['agents.g1.modle']).toBe('unknown field');
  });

  it('adds exec agents from config', async () => {
    const { adapters, problems } = resolveAgents({
      mybot: { type: 'exec', command: ['node', 'bot.js'], env: { MODE: 'x' } },
      sh2: { type: 'shell' },
    });
    expect(problems).toEqual([]);
    expect([...adapters.keys()].sort()).toEqual(['claude', 'codex', 'gemini', 'mybot', 'sh2', 'shell']);
    expect(adapters.get('mybot')?.name).toBe('mybot');
    expect(await adapters.get('mybot')?.probe()).toEqual({ available: true });
  });

  it('names the field of each bad entry and keeps the good ones', () => {
    const { adapters, problems } = resolveAgents(
      {
        good: { type: 'exec', command: ['node'] },
        noCommand: { type: 'exec' },
        emptyCommand: { type: 'exec', command: [] },
        stringCommand: { type: 'exec', command: 'node bot.js' },
        badEnv: { type: 'exec', command: ['x'], env: { A: 1 } },
        extra: { type: 'exec', command: ['x'], comand: ['y'] },
        unknownType: { type: 'robot' },
        notObject: 'exec',
        'bad name': { type: 'shell' },
      },
      { file: '.milestones/config.yaml' },
    );
    expect([...adapters.keys()].sort()).toEqual(['claude', 'codex', 'gemini', 'good', 'shell']);
    const byField = Object.fromEntries(problems.map((p) => [p.location?.field, p.message]));
    expect(Object.keys(byField).sort()).toEqual([
      'agents.bad name',
      'agents.badEnv.env.A',
      'agents.emptyCommand.command',
      'agents.extra.comand',
      'agents.noCommand.command',
      'agents.notObject',
      'agents.stringCommand.command',
      'agents.unknownType.type',
    ]);
    expect(byField['agents.emptyCommand.command']).toBe('must name a program');
    expect(byField['agents.stringCommand.command']).toContain('must be a list of strings');
    expect(byField['agents.extra.comand']).toBe('unknown field');
    expect(byField['agents.unknownType.type']).toBe(
      'unknown agent type "robot" (one of: exec, shell, claude, codex, gemini)',
    );
    expect(
      problems.every(
        (p) => p.code === 'MILESTONE_CONFIG_AGENT' && p.location?.file === '.milestones/config.yaml',
      ),
    ).toBe(true);
  });
});
