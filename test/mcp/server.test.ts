import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CLI, GIT_ENV, writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

/** Starts `milestone mcp` in `cwd` and returns a function that sends a request and awaits its answer. */
function mcpClient(cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, 'mcp'], {
    cwd,
    env: { ...process.env, ...GIT_ENV, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = new Map<
    number,
    (message: { result?: Record<string, unknown>; error?: { code: number } }) => void
  >();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line);
    waiting.get(message.id)?.(message);
  });
  let next = 1;
  const request = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<{ result?: Record<string, unknown>; error?: { code: number } }>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  const close = () =>
    new Promise((resolve) => {
      child.on('exit', resolve);
      child.stdin.end();
    });
  return {
    request,
    close,
    notify: (method: string) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`),
  };
}

const textOf = (result: Record<string, unknown> | undefined) =>
  (result?.content as Array<{ text: string }> | undefined)?.[0]?.text ?? '';

describe('milestone mcp', () => {
  it('serves the commands as tools: plan, execute, status over JSON-RPC on stdio', async () => {
    const repo = milestoneRepo();
    writeFiles(repo.root, {
      'plan.yaml': stringify({
        version: 1,
        milestone: 'Over MCP',
        id: 'mcp',
        tasks: [{ id: 'a', title: 'A', run: 'echo a > a.txt' }],
      }),
    });
    const client = mcpClient(repo.root, repo.env);
    const init = await client.request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'test', version: '1' },
    });
    expect(init.result).toMatchObject({
      protocolVersion: '2025-06-18',
      capabilities: { tools: {} },
      serverInfo: { name: 'milestone' },
    });
    client.notify('notifications/initialized');

    const tools = await client.request('tools/list');
    const names = ((tools.result?.tools ?? []) as Array<{ name: string }>).map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['milestone_plan', 'milestone_execute', 'milestone_status', 'milestone_review']),
    );

    const planned = await client.request('tools/call', {
      name: 'milestone_plan',
      arguments: { from: 'plan.yaml' },
    });
    expect(planned.result?.isError).toBe(false);
    const executed = await client.request('tools/call', {
      name: 'milestone_execute',
      arguments: { id: 'mcp' },
    });
    expect(executed.result?.isError, textOf(executed.result)).toBe(false);
    const status = await client.request('tools/call', { name: 'milestone_status', arguments: { id: 'mcp' } });
    expect(JSON.parse(textOf(status.result))).toMatchObject({
      id: 'mcp',
      status: 'completed',
      progress: { overall: 100 },
    });

    const bad = await client.request('tools/call', { name: 'milestone_show', arguments: { id: '../etc' } });
    expect(bad.result?.isError).toBe(true);
    expect(textOf(bad.result)).toContain('(exit code 2)');
    expect((await client.request('no/such/method')).error?.code).toBe(-32601);
    expect(await client.close()).toBe(0);
  });

  it('init --claude registers the server in .mcp.json, keeping servers already there', async () => {
    const repo = milestoneRepo({
      '.mcp.json': JSON.stringify({ mcpServers: { other: { command: 'other' } } }),
    });
    expect((await repo.run(['init', '--claude'])).code).toBe(0);
    const config = JSON.parse(readFileSync(join(repo.root, '.mcp.json'), 'utf8'));
    expect(config.mcpServers).toEqual({
      other: { command: 'other' },
      milestone: { command: 'milestone', args: ['mcp'] },
    });
  });
});
