import type { AgentEvent } from './adapter.js';
import { oneLine } from './agent-process.js';
import type { AgentStreamReader, LineHandlers, StreamReport } from './agent-stream.js';
import { emptyReport, firstLine, readJsonLine } from './agent-stream.js';
import type { JsonObject } from './json-line.js';
import { arrayAt, numberAt, objectAt, stringAt } from './json-line.js';

/**
 * Reads `codex exec --json` output: `thread.started`, `turn.started`, `item.*`,
 * `turn.completed` (usage, no cost), `turn.failed` and `error` lines. Success needs a
 * `turn.completed`; a later `turn.failed` overrides it.
 */
export function createCodexStreamReader(): AgentStreamReader {
  const report: StreamReport = emptyReport();
  // Non-fatal `error` lines (reconnects) only explain a failure; they never make one.
  const notices: string[] = [];
  let turns = 0;

  const readers: LineHandlers = {
    'thread.started': (line, events) => {
      const id = stringAt(line.thread_id);
      if (id === undefined) return;
      report.sessionId = id;
      events.push({ type: 'session', sessionId: id });
    },
    'turn.started': (_line, events) => {
      turns += 1;
      events.push({ type: 'progress', message: `turn ${turns} started` });
    },
    'item.started': (line, events) => {
      const item = objectAt(line.item);
      if (item.type === 'command_execution') {
        events.push({ type: 'progress', message: `run ${oneLine(stringAt(item.command) ?? '', 160)}` });
      }
    },
    'item.completed': (line, events) => readItem(objectAt(line.item), events),
    'turn.completed': (line, events) => {
      report.final = 'success';
      const usage = objectAt(line.usage);
      const input = numberAt(usage.input_tokens);
      const output = numberAt(usage.output_tokens);
      // Each turn reports its own tokens; `cached_input_tokens` is part of `input_tokens`.
      report.usage = {
        inputTokens: add(report.usage.inputTokens, input),
        outputTokens: add(report.usage.outputTokens, output),
        costUsd: null,
      };
      events.push({ type: 'usage', usage: report.usage });
    },
    'turn.failed': (line, events) => {
      report.final = 'error';
      const message = stringAt(objectAt(line.error).message) ?? 'turn failed';
      report.errors.push(message);
      events.push({ type: 'progress', message: `turn failed: ${firstLine(message)}` });
    },
    error: (line, events) => {
      const message = stringAt(line.message) ?? 'error';
      notices.push(message);
      events.push({ type: 'progress', message: `error: ${firstLine(message)}` });
    },
  };

  function readItem(item: JsonObject, events: AgentEvent[]): void {
    switch (item.type) {
      case 'agent_message': {
        const text = stringAt(item.text) ?? '';
        report.summary = oneLine(text, 300);
        report.output = text;
        const first = firstLine(text);
        if (first) events.push({ type: 'progress', message: first });
        break;
      }
      case 'command_execution': {
        const code = numberAt(item.exit_code);
        if (code !== undefined && code !== 0) {
          const command = oneLine(stringAt(item.command) ?? '', 120);
          events.push({ type: 'progress', message: `command exited with ${code}: ${command}` });
        }
        break;
      }
      case 'file_change':
        for (const change of arrayAt(item.changes)) {
          const { path, kind } = objectAt(change);
          events.push({
            type: 'progress',
            message: `${stringAt(kind) ?? 'changed'} ${stringAt(path) ?? '?'}`,
          });
        }
        break;
      case 'mcp_tool_call':
        events.push({
          type: 'progress',
          message: `tool ${stringAt(item.server) ?? 'mcp'}.${stringAt(item.tool) ?? '?'}`,
        });
        break;
      case 'error': {
        const message = stringAt(item.message) ?? 'error';
        notices.push(message);
        events.push({ type: 'progress', message: `error: ${firstLine(message)}` });
        break;
      }
    }
  }

  return {
    read: (line) => readJsonLine(line, readers),
    report: () => {
      const copy = structuredClone(report);
      copy.errors.push(...notices);
      return copy;
    },
  };
}

function add(total: number | null, value: number | undefined): number | null {
  return value === undefined ? total : (total ?? 0) + value;
}
