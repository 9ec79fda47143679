import type { Readable, Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { packageVersion } from '../cli/version.js';
import { recordingIo } from '../io/io.js';
import { reportError } from '../io/report-error.js';
import { limitLines, MAX_MESSAGE_BYTES } from './line-limit.js';
import { Runs } from './runs.js';
import type { McpTool } from './tool.js';
import { inputJsonSchema } from './tool.js';
import { MCP_TOOLS } from './tools.js';

/** What a tool call returns: the command's JSON output; on failure also its message and exit code. */
type ToolResult = CallToolResult & {
  content: Array<{ type: 'text'; text: string }>;
  isError: boolean;
};

/** Everything a call needs besides the tool and its raw arguments. */
interface CallContext {
  cwd: string;
  runs: Runs;
  signal: AbortSignal;
  progress(percent: number, message: string): void;
}

const INSTRUCTIONS =
  'milestone runs a software milestone (design, spec, task, execute phases) with coding agents in ' +
  'parallel git worktrees. Validate or plan a plan file, start it with milestone_execute (returns at ' +
  'once), follow it with milestone_status (waitSeconds sends progress), review gated phases, and read ' +
  'milestone_report for the review packet.';

/**
 * Runs one tool: arguments checked by its zod input, then the same command function the CLI
 * calls, with a recording terminal. A failing command still answers (`isError`) with what it
 * printed (a validation's located problems, a run's events) and its message and exit code.
 */
async function callTool(tool: McpTool, rawArgs: unknown, context: CallContext): Promise<ToolResult> {
  const parsed = tool.input.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    // Invalid arguments are a tool error (not a protocol error), so the model can correct them.
    const problems = parsed.error.issues.map(
      (issue) => `argument ${issue.path.join('.') || '(arguments)'}: ${issue.message}`,
    );
    return { content: [{ type: 'text', text: `${problems.join('\n')}\n(exit code 2)` }], isError: true };
  }
  const io = recordingIo();
  try {
    await tool.run({ ...context, io, args: parsed.data });
    return {
      content: [{ type: 'text', text: io.stdout.join('\n') || io.stderr.join('\n') }],
      isError: false,
    };
  } catch (error) {
    const output = io.stdout.join('\n');
    const code = reportError(io, error);
    return {
      content: [
        ...(output ? [{ type: 'text' as const, text: output }] : []),
        { type: 'text', text: `${io.stderr.join('\n')}\n(exit code ${code})`.trim() },
      ],
      isError: true,
    };
  }
}

/**
 * The answer to a line that is not one JSON-RPC message (the SDK's stdio transport drops it and
 * reports the error): -32700 for text that is not JSON, -32600 for JSON that is not a message,
 * such as a batch (an array), which MCP removed in its 2025-06-18 revision. No id: none was read.
 */
function invalidMessageAnswer(error: Error): JSONRPCMessage | null {
  if (error instanceof SyntaxError) {
    return {
      jsonrpc: '2.0',
      error: { code: ErrorCode.ParseError, message: `Parse error: ${error.message}` },
    };
  }
  if (error.name === 'ZodError') {
    return {
      jsonrpc: '2.0',
      error: {
        code: ErrorCode.InvalidRequest,
        message:
          'Invalid Request: each line must be one JSON-RPC request, notification or response object (MCP has no batches since 2025-06-18)',
      },
    };
  }
  return null;
}

/**
 * The answer to a line over {@link MAX_MESSAGE_BYTES}: dropped unread (no id is known), the
 * server reads on.
 */
function tooLongAnswer(bytes: number): JSONRPCMessage {
  return {
    jsonrpc: '2.0',
    error: {
      code: ErrorCode.InvalidRequest,
      message: `Invalid Request: a line of ${bytes} bytes is over the limit of ${MAX_MESSAGE_BYTES} bytes (10 MiB) per message; it was dropped unread`,
    },
  } as JSONRPCMessage;
}

/**
 * Counts the requests not yet answered, so the server closes only after writing their answers
 * (closing the SDK's server aborts the handlers still running, and their answers are lost).
 */
function trackAnswers(transport: StdioServerTransport): { drained(): Promise<void> } {
  const pending = new Set<string | number>();
  let onDrained = () => {};
  const settle = (id: string | number) => {
    pending.delete(id);
    if (pending.size === 0) onDrained();
  };
  const receive = transport.onmessage;
  transport.onmessage = (message) => {
    if ('method' in message && 'id' in message) pending.add(message.id);
    // A cancelled request gets no answer.
    if ('method' in message && message.method === 'notifications/cancelled') {
      const id = (message.params as { requestId?: string | number } | undefined)?.requestId;
      if (id !== undefined) settle(id);
    }
    receive?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    await send(message);
    if (!('method' in message) && 'id' in message && message.id !== undefined) settle(message.id);
  };
  return {
    drained: () =>
      new Promise<void>((resolve) => {
        onDrained = resolve;
        if (pending.size === 0) resolve();
      }),
  };
}

/** The MCP server (official SDK) with the milestone tools; `shutdown` aborts every call in flight. */
function createMcpServer(cwd: string, runs: Runs, shutdown: AbortSignal): Server {
  // The low-level `Server`, not `McpServer`: McpServer answers an unknown tool with a tool
  // result (isError), where the spec asks for JSON-RPC error -32602.
  const server = new Server(
    { name: 'milestone', version: packageVersion() },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: MCP_TOOLS.map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: inputJsonSchema(tool),
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = MCP_TOOLS.find((t) => t.name === request.params.name);
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `unknown tool ${request.params.name}; the tools are ${MCP_TOOLS.map((t) => t.name).join(', ')}`,
      );
    }
    const token = request.params._meta?.progressToken;
    let last = -1;
    const progress = (percent: number, message: string) => {
      // The spec wants each notification's progress above the last one.
      if (token === undefined || percent <= last || extra.signal.aborted) return;
      last = percent;
      extra
        .sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: percent, total: 100, message },
        })
        .catch(() => {});
    };
    const signal = AbortSignal.any([extra.signal, shutdown]);
    return callTool(tool, request.params.arguments, { cwd, runs, signal, progress });
  });
  return server;
}

/**
 * A Model Context Protocol server over stdio exposing the milestone commands as tools, so an
 * agent drives milestones the way a person does with the CLI. Resolves when the input closes
 * (or on SIGINT/SIGTERM): runs it started are stopped with their state saved, calls in flight
 * answer, then it ends.
 */
export async function serveMcp(options: { cwd: string; input: Readable; output: Writable }): Promise<void> {
  const runs = new Runs();
  const shutdown = new AbortController();
  const server = createMcpServer(options.cwd, runs, shutdown.signal);
  // Lines over the limit never reach the SDK (whose buffer would throw and close the transport).
  const input = limitLines(options.input, MAX_MESSAGE_BYTES, (bytes) => {
    transport.send(tooLongAnswer(bytes)).catch(() => {});
  });
  const transport = new StdioServerTransport(input, options.output, {
    maxBufferSize: MAX_MESSAGE_BYTES + 64 * 1024,
  });
  server.onerror = (error) => {
    const answer = invalidMessageAnswer(error);
    if (answer) transport.send(answer).catch(() => {});
  };
  const ended = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
    shutdown.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const onSignal = () => shutdown.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await server.connect(transport);
    const answers = trackAnswers(transport);
    await ended;
    shutdown.abort();
    await runs.stopAll();
    await answers.drained();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server.close();
    input.destroy();
  }
}
