import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, McpError, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MCP_TOOLS } from '../../src/mcp/tools.js';
import { asyncRepo } from '../helpers/async-cli.js';
import { writeFiles } from '../helpers/git-repo.js';
import { connect, initialize, json, rawServer, texts } from './client.js';

describe('milestone mcp (official SDK client over stdio)', () => {
  it('answers initialize with a protocol version it supports, never an echo of an unknown one', async () => {
    const repo = await asyncRepo();
    const client = await connect(repo);
    expect(client.getServerVersion()).toMatchObject({ name: 'milestone' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: {} });
    await client.close();

    const raw = rawServer(repo);
    raw.write(initialize(1, '1999-01-01'));
    raw.write(initialize(2, '2025-06-18'));
    await raw.received(2);
    const [unknown, known] = raw.messages as Array<{ result: { protocolVersion: string } }>;
    expect(unknown!.result.protocolVersion).not.toBe('1999-01-01');
    expect(SUPPORTED_PROTOCOL_VERSIONS).toContain(unknown!.result.protocolVersion);
    expect(known!.result.protocolVersion).toBe('2025-06-18');
    raw.end();
    expect(await raw.exited).toBe(0);
  });

  it('answers an unknown tool with JSON-RPC error -32602 (not a tool result)', async () => {
    const client = await connect(await asyncRepo());
    const call = client.callTool({ name: 'milestone_nope', arguments: {} });
    await expect(call).rejects.toBeInstanceOf(McpError);
    await expect(call).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    // The server is still there.
    expect(await client.ping()).toEqual({});
    await client.close();
  });

  it('survives lines that are not one JSON-RPC object (garbage, scalars, batches) and answers each', async () => {
    const raw = rawServer(await asyncRepo());
    raw.write(initialize(1, '2025-06-18'));
    raw.write('this is not json\n');
    raw.write('42\nnull\n"text"\n');
    raw.write(`${JSON.stringify([{ jsonrpc: '2.0', id: 7, method: 'ping' }])}\n`);
    raw.write(`${JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'ping' })}\n`);
    await raw.received(7);
    const messages = raw.messages as Array<{ id?: number; error?: { code: number; message: string } }>;
    // Lines that carry no readable id are answered without one, in the order they came.
    const errors = messages.filter((m) => !('id' in m));
    expect(errors.map((m) => m.error?.code)).toEqual([-32700, -32600, -32600, -32600, -32600]);
    expect(errors.at(-1)!.error!.message).toContain('no batches');
    expect(messages.find((m) => m.id === 1)).toHaveProperty('result.protocolVersion', '2025-06-18');
    expect(messages.find((m) => m.id === 8)).toMatchObject({ result: {} });
    // The batch's request was not run: nothing answers id 7.
    expect(messages.find((m) => m.id === 7)).toBeUndefined();
    raw.end();
    expect(await raw.exited).toBe(0);
  });

  it('answers a line over the 10 MiB limit with -32600 naming the limit, drops it unread and reads on', async () => {
    const raw = rawServer(await asyncRepo());
    raw.write(initialize(1, '2025-06-18'));
    // A 12 MiB request (one line), then a normal one.
    const pad = 'x'.repeat(12 * 1024 * 1024);
    raw.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping', params: { pad } })}\n`);
    raw.write(`${JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' })}\n`);
    await raw.received(3);
    const messages = raw.messages as Array<{ id?: number; error?: { code: number; message: string } }>;
    const tooLong = messages.filter((m) => !('id' in m));
    expect(tooLong).toHaveLength(1);
    expect(tooLong[0]!.error).toEqual({
      code: -32600,
      message: `Invalid Request: a line of ${12 * 1024 * 1024 + 60} bytes is over the limit of 10485760 bytes (10 MiB) per message; it was dropped unread`,
    });
    // The oversized request was not run; the server reads on.
    expect(messages.find((m) => m.id === 2)).toBeUndefined();
    expect(messages.find((m) => m.id === 3)).toMatchObject({ result: {} });
    raw.end();
    expect(await raw.exited).toBe(0);
  });

  it('a failing tool answers with what it found: validate lists the located problems, execute keeps its events', async () => {
    const repo = await asyncRepo();
    writeFiles(repo.root, {
      'bad.yaml': [
        'version: 1',
        'milestone: Broken',
        'tasks:',
        '  - { id: a, title: A, run: "true", needs: [ghost] }',
        '  - { id: a, title: A again, run: "true" }',
        '  - { id: c, title: C, run: "true", phase: later }',
        '',
      ].join('\n'),
    });
    const client = await connect(repo);
    const validated = await client.callTool({ name: 'milestone_validate', arguments: { file: 'bad.yaml' } });
    expect(validated.isError).toBe(true);
    const report = json(validated) as {
      valid: boolean;
      problems: Array<{ message: string; location?: object }>;
    };
    expect(report.valid).toBe(false);
    expect(report.problems.length).toBeGreaterThanOrEqual(3);
    const all = JSON.stringify(report.problems);
    for (const word of ['ghost', 'later', 'used twice']) expect(all).toContain(word);
    expect(report.problems.every((p) => p.location && 'file' in p.location)).toBe(true);
    expect(texts(validated).at(-1)).toMatch(/problems found\n\(exit code 2\)$/);

    expect(
      (
        await repo.plan({
          version: 1,
          milestone: 'Fails',
          id: 'fails',
          defaults: { retries: 0 },
          tasks: [{ id: 'boom', title: 'Boom', run: 'echo about to fail; exit 3' }],
        })
      ).code,
    ).toBe(0);
    const executed = await client.callTool({
      name: 'milestone_execute',
      arguments: { id: 'fails', wait: true },
    });
    expect(executed.isError).toBe(true);
    const events = texts(executed)[0]!
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; status?: string });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'task_status', taskId: 'boom', status: 'failed' }),
    );
    expect(texts(executed).at(-1)).toMatch(/failed: boom[\s\S]*\(exit code 1\)$/);
    await client.close();
  });

  it('each tool input is declared once in zod: tools/list shows the derived JSON Schema, bad arguments are located', async () => {
    const client = await connect(await asyncRepo());
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(MCP_TOOLS.map((t) => t.name));
    for (const tool of MCP_TOOLS) {
      const { $schema: _dialect, ...derived } = z.toJSONSchema(tool.input, { io: 'input' });
      expect(tools.find((t) => t.name === tool.name)?.inputSchema).toEqual(derived);
    }
    const execute = tools.find((t) => t.name === 'milestone_execute')!.inputSchema as unknown as {
      properties: Record<string, { enum?: string[]; type?: string; minimum?: number }>;
      additionalProperties: boolean;
    };
    expect(execute.properties.mode?.enum).toEqual(['auto', 'direct', 'agents', 'hybrid']);
    expect(execute.properties.concurrency).toMatchObject({ type: 'integer', minimum: 1 });
    expect(execute.additionalProperties).toBe(false);
    const bad = await client.callTool({
      name: 'milestone_execute',
      arguments: { concurrency: 0, dryrun: true },
    });
    expect(bad.isError).toBe(true);
    expect(texts(bad)[0]).toMatch(/argument concurrency: .*>=1/);
    expect(texts(bad)[0]).toContain('dryrun');
    await client.close();
  });
});

describe('milestone init --claude', () => {
  it('registers the server in .mcp.json, keeping servers already there', async () => {
    const repo = await asyncRepo({
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
