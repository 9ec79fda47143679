import { describe, expect, it } from 'vitest';
import { builtinAdapters, resolveAgents } from '../../src/agents/registry.js';

describe('agent registry', () => {
  it('has the shell agent built in', () => {
    expect([...builtinAdapters().keys()]).toEqual(['shell']);
    const { adapters, problems } = resolveAgents(undefined);
    expect(problems).toEqual([]);
    expect(adapters.get('shell')?.name).toBe('shell');
  });

  it('adds exec agents from config', async () => {
    const { adapters, problems } = resolveAgents({
      mybot: { type: 'exec', command: ['node', 'bot.js'], env: { MODE: 'x' } },
      sh2: { type: 'shell' },
    });
    expect(problems).toEqual([]);
    expect([...adapters.keys()].sort()).toEqual(['mybot', 'sh2', 'shell']);
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
    expect([...adapters.keys()].sort()).toEqual(['good', 'shell']);
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
    expect(byField['agents.unknownType.type']).toBe('unknown agent type "robot" (one of: exec, shell)');
    expect(
      problems.every(
        (p) => p.code === 'MILESTONE_CONFIG_AGENT' && p.location?.file === '.milestones/config.yaml',
      ),
    ).toBe(true);
  });
});
