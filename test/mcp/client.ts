import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AsyncRepo } from '../helpers/async-cli.js';
import { CLI, GIT_ENV } from '../helpers/git-repo.js';

/** The SDK's own client, talking to `milestone mcp` spawned in the repository over stdio. */
export async function connect(repo: AsyncRepo): Promise<Client> {
  const transport = serverTransport(repo);
  const client = new Client({ name: 'milestone-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** `milestone mcp` spoken to in raw lines: for what the SDK client would never send. */
export function rawServer(repo: AsyncRepo) {
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

export const texts = (result: unknown) =>
  (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : ''));
export const json = (result: unknown) => JSON.parse(texts(result)[0]!);
export const initialize = (id: number, protocolVersion: string) =>
  `${JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  })}\n`;

/** A stdio transport spawning `milestone mcp` in the repository (its `pid` can be signalled). */
export function serverTransport(repo: AsyncRepo): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    cwd: repo.root,
    env: { ...(process.env as Record<string, string>), ...GIT_ENV, NO_COLOR: '1', ...repo.env },
    stderr: 'ignore',
  });
}
