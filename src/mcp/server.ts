import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { recordingIo } from '../io/io.js';
import { reportError } from '../io/report-error.js';
import { MCP_TOOLS } from './tools.js';

/** The MCP protocol revision this server speaks when the client names none. */
export const MCP_PROTOCOL_VERSION = '2025-06-18';

type JsonRpcId = string | number;
interface Request {
  jsonrpc: '2.0';
  id?: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

/** What a tool call returns to the client: the command's JSON output, or its error message. */
export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>;
  isError: boolean;
}

/**
 * Runs one tool: the same command function the CLI calls, with a recording terminal. A command
 * that fails still answers (with `isError`), carrying the message and exit code users know.
 */
export async function callTool(
  cwd: string,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolResult> {
  const tool = MCP_TOOLS.find((t) => t.name === name);
  if (!tool) return { content: [{ type: 'text', text: `unknown tool ${name}` }], isError: true };
  const io = recordingIo();
  try {
    await tool.run({ cwd, io, args });
    return {
      content: [{ type: 'text', text: io.stdout.join('\n') || io.stderr.join('\n') }],
      isError: false,
    };
  } catch (error) {
    const code = reportError(io, error);
    return {
      content: [{ type: 'text', text: `${io.stderr.join('\n')}\n(exit code ${code})`.trim() }],
      isError: true,
    };
  }
}

async function answer(cwd: string, request: Request): Promise<unknown> {
  switch (request.method) {
    case 'initialize':
      return {
        protocolVersion:
          typeof request.params?.protocolVersion === 'string'
            ? request.params.protocolVersion
            : MCP_PROTOCOL_VERSION,
        capabilities: { tools: {} },
        serverInfo: { name: 'milestone', version: '0.1.0' },
      };
    case 'ping':
      return {};
    case 'tools/list':
      return {
        tools: MCP_TOOLS.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
      };
    case 'tools/call': {
      const name = String(request.params?.name ?? '');
      const args = (request.params?.arguments ?? {}) as Record<string, unknown>;
      return callTool(cwd, name, args);
    }
    default:
      throw Object.assign(new Error(`method not found: ${request.method}`), { rpcCode: -32601 });
  }
}

/**
 * A Model Context Protocol server over stdio (newline-delimited JSON-RPC 2.0) exposing the
 * milestone commands as tools, so an agent drives milestones the way a person does with the CLI.
 * Resolves when the input closes.
 */
export async function serveMcp(options: { cwd: string; input: Readable; output: Writable }): Promise<void> {
  const send = (message: unknown) => options.output.write(`${JSON.stringify(message)}\n`);
  const pending: Array<Promise<void>> = [];
  for await (const line of createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (!line.trim()) continue;
    let request: Request;
    try {
      request = JSON.parse(line) as Request;
    } catch {
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
      continue;
    }
    // Notifications (no id) get no answer; tool calls run concurrently and answer when done.
    if (request.id === undefined) continue;
    const id = request.id;
    pending.push(
      answer(options.cwd, request).then(
        (result) => void send({ jsonrpc: '2.0', id, result }),
        (error: Error & { rpcCode?: number }) =>
          void send({ jsonrpc: '2.0', id, error: { code: error.rpcCode ?? -32603, message: error.message } }),
      ),
    );
  }
  await Promise.all(pending);
}
