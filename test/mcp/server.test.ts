import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MCP_TOOLS } from '../../src/mcp/tools.js';
import type { AsyncRepo } from '../helpers/async-cli.js';
import { asyncRepo, until } from '../helpers/async-cli.js';
import { CLI, GIT_ENV, tempDir, writeFiles } from '../helpers/git-repo.js';

/** The SDK's own client, talking to `milestone mcp` spawned in the repository over stdio. */
async function connect(repo: AsyncRepo): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    cwd: repo.root,
    env: { ...(process.env as Record<string, string>), ...GIT_ENV, NO_COLOR: '1', ...repo.env },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'milestone-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** `milestone mcp` spoken to in raw lines: for what the SDK client would never send. */
function rawServer(repo: AsyncRepo) {
  const child = spawn(process.execPath, [CLI, 'mcp'], {
    cwd: repo.root,
    env: { ...process.env, ...GIT_ENV, ...repo.env },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const messages: Array<Record<string, unknown>> = [];
  let arrived = () => {};
  createInterface({ input: child.stdout }).on('line', (line) => {
    messages.push(JSON.parse(line));
    arrived();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    messages,
    exited,
    write: (text: string) => child.stdin.write(text),
    /** Waits until `count` messages have arrived. */
    received: (count: number) =>
      new Promise<void>((resolve) => {
        arrived = () => {
          if (messages.length >= count) resolve();
        };
        arrived();
      }),
    end: () => child.stdin.end(),
  };
}

const texts = (result: unknown) =>
  (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : ''));
const json = (result: unknown) => JSON.parse(texts(result)[0]!);
const initialize = (id: number, protocolVersion: string) =>
  `${JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  })}\n`;

describe('milestone mcp (official SDK client over stdio)', () => {
  it('answers initialize with a protocol version it supports, never an echo of an unknown one', async () => {
    const repo = asyncRepo();
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
    const client = await connect(asyncRepo());
    const call = client.callTool({ name: 'milestone_nope', arguments: {} });
    await expect(call).rejects.toBeInstanceOf(McpError);
    await expect(call).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    // The server is still there.
    expect(await client.ping()).toEqual({});
    await client.close();
  });

  it('survives lines that are not one JSON-RPC object (garbage, scalars, batches) and answers each', async () => {
    const raw = rawServer(asyncRepo());
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

  it('a failing tool answers with what it found: validate lists the located problems, execute keeps its events', async () => {
    const repo = asyncRepo();
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
    const client = await connect(asyncRepo());
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

  it('execute with wait sends progress notifications as tasks land; report gives the review packet', async () => {
    const repo = asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Three steps',
      id: 'steps',
      tasks: [
        { id: 'one', title: 'One', run: 'echo 1 > one.txt', estimate: '1h' },
        { id: 'two', title: 'Two', run: 'echo 2 > two.txt', estimate: '1h', needs: ['one'] },
        { id: 'three', title: 'Three', run: 'echo 3 > three.txt', estimate: '1h', needs: ['two'] },
      ],
    });
    const client = await connect(repo);
    const seen: Progress[] = [];
    const result = await client.callTool(
      { name: 'milestone_execute', arguments: { id: 'steps', wait: true } },
      undefined,
      { onprogress: (progress) => seen.push(progress) },
    );
    expect(result.isError, texts(result).join('\n')).toBe(false);
    const values = seen.map((p) => p.progress);
    expect(values).toContain(33);
    expect(values).toContain(67);
    expect(values.at(-1)).toBe(100);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    expect(seen.every((p) => p.total === 100)).toBe(true);
    expect(
      seen.map((p) => `${p.progress} ${p.message}`),
      JSON.stringify(seen),
    ).toContain('67 task two succeeded');

    const report = await client.callTool({ name: 'milestone_report', arguments: { id: 'steps' } });
    expect(report.isError).toBe(false);
    for (const task of ['one', 'two', 'three']) expect(texts(report)[0]).toContain(task);
    await client.close();
  });

  it('execute returns the run id at once; status polls it and, with waitSeconds, notifies progress to the end', async () => {
    const repo = asyncRepo();
    const gate = tempDir('milestone-gate-');
    await repo.plan({
      version: 1,
      milestone: 'In the background',
      id: 'bg',
      tasks: [
        { id: 'first', title: 'First', run: 'echo 1 > first.txt' },
        {
          id: 'held',
          title: 'Held until the test opens the gate',
          needs: ['first'],
          run: `while [ ! -f "${gate}/go" ]; do sleep 0.05; done; echo held > held.txt`,
        },
      ],
    });
    const client = await connect(repo);
    const started = await client.callTool({ name: 'milestone_execute', arguments: { id: 'bg' } });
    expect(started.isError, texts(started).join('\n')).toBe(false);
    // It answered while a task is still held: the answer did not wait for the run.
    expect(json(started)).toMatchObject({ id: 'bg', started: true, running: true });
    const polled = json(await client.callTool({ name: 'milestone_status', arguments: { id: 'bg' } }));
    expect(polled).toMatchObject({ id: 'bg', status: 'executing', run: { running: true } });
    const again = await client.callTool({ name: 'milestone_execute', arguments: { id: 'bg' } });
    expect(again.isError).toBe(true);
    expect(texts(again).at(-1)).toMatch(/already running from this server[\s\S]*\(exit code 3\)$/);

    writeFiles(gate, { go: '' });
    const seen: Progress[] = [];
    const followed = await client.callTool(
      { name: 'milestone_status', arguments: { id: 'bg', waitSeconds: 50 } },
      undefined,
      { onprogress: (progress) => seen.push(progress) },
    );
    expect(json(followed)).toMatchObject({
      status: 'completed',
      progress: { overall: 100 },
      run: { running: false, exitCode: 0 },
    });
    expect(seen.at(-1)?.progress).toBe(100);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
    await client.close();
  });

  it('a cancelled call (notifications/cancelled) stops the run: the agent is stopped, state saved, resumable', async () => {
    const repo = asyncRepo();
    const marks = tempDir('milestone-marks-');
    await repo.plan({
      version: 1,
      milestone: 'Cancel me',
      id: 'cancel-me',
      tasks: [{ id: 'slow', title: 'Slow', run: `echo $$ > "${marks}/pid"; exec sleep 600` }],
    });
    const client = await connect(repo);
    const abort = new AbortController();
    const call = client.callTool(
      { name: 'milestone_execute', arguments: { id: 'cancel-me', wait: true } },
      undefined,
      {
        signal: abort.signal,
      },
    );
    const settled = call.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await until(
      async () => existsSync(join(marks, 'pid')) && readFileSync(join(marks, 'pid'), 'utf8').endsWith('\n'),
      'the task to start',
    );
    const agent = Number(readFileSync(join(marks, 'pid'), 'utf8'));
    abort.abort();
    expect(await settled).toBeInstanceOf(Error);

    const after = json(
      await client.callTool({ name: 'milestone_status', arguments: { id: 'cancel-me', waitSeconds: 50 } }),
    );
    expect(after.run).toMatchObject({ running: false, exitCode: 130 });
    expect(after.run.message).toContain('interrupted: state saved');
    expect(after.tasks[0]).toMatchObject({ id: 'slow', merged: false });
    expect(() => process.kill(agent, 0)).toThrow();
    await client.close();
  });
});

describe('milestone mcp shutdown', () => {
  it('on SIGTERM the server stops the runs it started with their state saved, and execute resumes them', async () => {
    const repo = asyncRepo();
    const gate = tempDir('milestone-gate-');
    await repo.plan({
      version: 1,
      milestone: 'Outlives its client',
      id: 'resume-me',
      tasks: [
        {
          id: 'held',
          title: 'Held',
          run: `while [ ! -f "${gate}/go" ]; do sleep 0.05; done; echo ok > held.txt`,
        },
      ],
    });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp'],
      cwd: repo.root,
      env: { ...(process.env as Record<string, string>), ...GIT_ENV, NO_COLOR: '1', ...repo.env },
      stderr: 'ignore',
    });
    const client = new Client({ name: 'milestone-test', version: '1.0.0' });
    await client.connect(transport);
    const started = json(
      await client.callTool({ name: 'milestone_execute', arguments: { id: 'resume-me' } }),
    );
    expect(started).toMatchObject({ started: true, running: true });
    const closed = new Promise<void>((resolve) => {
      client.onclose = resolve;
    });
    process.kill(transport.pid!, 'SIGTERM');
    await closed;
    // The coordinator (the run's child process) is gone and the task did not land.
    expect(() => process.kill(started.pid, 0)).toThrow();
    const saved = await repo.status('resume-me');
    expect(saved.tasks[0]).toMatchObject({ id: 'held', merged: false });
    writeFiles(gate, { go: '' });
    const resumed = await repo.run(['execute', 'resume-me']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await repo.status('resume-me')).status).toBe('completed');
  });
});

describe('milestone init --claude', () => {
  it('registers the server in .mcp.json, keeping servers already there', async () => {
    const repo = asyncRepo({ '.mcp.json': JSON.stringify({ mcpServers: { other: { command: 'other' } } }) });
    expect((await repo.run(['init', '--claude'])).code).toBe(0);
    const config = JSON.parse(readFileSync(join(repo.root, '.mcp.json'), 'utf8'));
    expect(config.mcpServers).toEqual({
      other: { command: 'other' },
      milestone: { command: 'milestone', args: ['mcp'] },
    });
  });
});
