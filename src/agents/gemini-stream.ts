import type { AgentEvent } from './adapter.js';
import type { AgentStreamReader, LineHandlers, StreamReport } from './agent-stream.js';
import { describeTool, emptyReport, firstLine, readJsonLine } from './agent-stream.js';
import type { JsonObject } from './json-line.js';
import { numberAt, objectAt, stringAt } from './json-line.js';
import { oneLine } from './one-line.js';

/**
 * Reads Gemini CLI's `--output-format stream-json` output: `init`, `message` (assistant text
 * arrives in `delta` chunks), `tool_use`, `tool_result`, `error` (non-fatal) and `result`.
 */
export function createGeminiStreamReader(): AgentStreamReader {
  const report: StreamReport = emptyReport();
  const notices: string[] = [];
  // Assistant text streams in chunks: it becomes one progress line when the message ends.
  let text = '';

  const flush = (events: AgentEvent[]): void => {
    if (text.trim() === '') return;
    report.summary = oneLine(text, 300);
    report.output = text;
    const first = firstLine(text);
    if (first) events.push({ type: 'progress', message: first });
    text = '';
  };

  const readers: LineHandlers = {
    init: (line, events) => {
      const id = stringAt(line.session_id);
      if (id !== undefined) {
        report.sessionId = id;
        events.push({ type: 'session', sessionId: id });
      }
      events.push({
        type: 'progress',
        message: `gemini started (${stringAt(line.model) ?? 'default model'})`,
      });
    },
    message: (line, events) => {
      if (line.role !== 'assistant') return;
      const content = stringAt(line.content) ?? '';
      if (line.delta === true) text += content;
      else {
        flush(events);
        text = content;
      }
    },
    tool_use: (line, events) => {
      flush(events);
      events.push({ type: 'progress', message: `tool ${describeTool(line.tool_name, geminiArgs(line))}` });
    },
    tool_result: (line, events) => {
      if (line.status !== 'error') return;
      const error = objectAt(line.error);
      const message = stringAt(error.message) ?? stringAt(line.output) ?? 'no details';
      events.push({ type: 'progress', message: `tool error: ${firstLine(message)}` });
    },
    error: (line, events) => {
      const message = stringAt(line.message) ?? 'error';
      notices.push(message);
      events.push({
        type: 'progress',
        message: `${stringAt(line.severity) ?? 'error'}: ${firstLine(message)}`,
      });
    },
    result: (line, events) => {
      flush(events);
      const status = stringAt(line.status) ?? 'unknown';
      report.final = status === 'success' ? 'success' : 'error';
      const error = objectAt(line.error);
      const message = stringAt(error.message);
      if (message !== undefined) {
        const type = stringAt(error.type);
        report.errors.push(type === undefined ? message : `${type}: ${message}`);
      } else if (report.final === 'error') {
        report.errors.push(`result status ${status}`);
      }
      const stats = objectAt(line.stats);
      const input = numberAt(stats.input_tokens);
      const output = numberAt(stats.output_tokens);
      const total = numberAt(stats.total_tokens);
      // Gemini's output_tokens leave thinking out (capture gemini-success: total 1020 = 1000 in +
      // 14 out + 6 thoughts); Claude's and Codex's include it, so the thoughts are added back.
      const thoughts =
        input !== undefined && output !== undefined && total !== undefined
          ? Math.max(0, total - input - output)
          : 0;
      // Gemini reports tokens, never a price: the cost stays unknown (null), not 0.
      report.usage = {
        inputTokens: input ?? null,
        outputTokens: output === undefined ? null : output + thoughts,
        costUsd: null,
      };
      events.push({ type: 'usage', usage: report.usage });
      const tools = numberAt(stats.tool_calls);
      events.push({
        type: 'progress',
        message: `finished: ${status}${tools !== undefined ? ` after ${tools} tool calls` : ''}`,
      });
    },
  };

  return {
    read: (line) => readJsonLine(line, readers),
    report: () => {
      const copy = structuredClone(report);
      // A crash mid-message still leaves the text seen so far as the summary.
      if (copy.summary === undefined && text.trim() !== '') copy.summary = oneLine(text, 300);
      if (copy.output === undefined && text.trim() !== '') copy.output = text;
      copy.errors.push(...notices);
      return copy;
    },
  };
}

/** Gemini tools name their target `absolute_path`, `file_path`, `path`, `command` or `pattern`. */
function geminiArgs(line: JsonObject): JsonObject {
  const params = objectAt(line.parameters);
  const path = stringAt(params.file_path) ?? stringAt(params.absolute_path) ?? stringAt(params.path);
  return path === undefined ? params : { ...params, file_path: path };
}
