import { z } from 'zod';
import type { Io } from '../io/io.js';
import type { Runs } from './runs.js';

/** What a tool gets besides its arguments. */
export interface ToolContext<Args> {
  cwd: string;
  /** A recording terminal: stdout becomes the tool's result, stderr its notes or error message. */
  io: Io;
  args: Args;
  /** Aborted when the client cancels the request (`notifications/cancelled`). */
  signal: AbortSignal;
  /** Reports progress (percent, 0-100) when the client sent a progress token; only increases are sent. */
  progress(percent: number, message: string): void;
  /** The runs this server started. */
  runs: Runs;
}

/** One MCP tool: a milestone command, its input declared once in zod (the JSON Schema derives from it). */
export interface McpTool<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  input: Input;
  run(context: ToolContext<z.output<Input>>): Promise<unknown>;
}

/** Keeps each tool's `run` typed by its own input schema inside one list. */
export function tool<Input extends z.ZodObject>(definition: McpTool<Input>): McpTool {
  return definition as unknown as McpTool;
}

/** The JSON Schema of a tool's arguments, derived from its zod input (what `tools/list` shows). */
export function inputJsonSchema(definition: McpTool): { type: 'object'; [key: string]: unknown } {
  // The dialect is MCP's default (2020-12); some clients reject an explicit `$schema` key.
  const { $schema: _dialect, ...schema } = z.toJSONSchema(definition.input, { io: 'input' });
  return { ...schema, type: 'object' };
}
