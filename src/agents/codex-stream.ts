import type { AgentEvent } from './adapter.js';
import type { AgentStreamReader, LineHandlers, StreamReport } from './agent-stream.js';
import { emptyReport, firstLine, readJsonLine } from './agent-stream.js';
import type { JsonObject } from './json-line.js';
import { arrayAt, numberAt, objectAt, stringAt } from './json-line.js';
import { oneLine } from './one-line.js';

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
  let fatal: string | undefined;

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
      // Each turn reports its own tokens. `cached_input_tokens` and (0.171+)
      // `cache_write_input_tokens` are parts of `input_tokens`; `reasoning_output_tokens` is part
      // of `output_tokens` (OpenAI's usage convention), so nothing is added twice.
      report.usage = {
        inputTokens: add(report.usage.inputTokens, input),
        outputTokens: add(report.usage.outputTokens, output),
        costUsd: null,
      };
      events.push({ type: 'usage', usage: report.usage });
      const parts = [
        ['cached', numberAt(usage.cached_input_tokens)],
        ['cache writes', numberAt(usage.cache_write_input_tokens)],
      ].filter(([, n]) => n !== undefined);
      const reasoning = numberAt(usage.reasoning_output_tokens);
      events.push({
        type: 'progress',
        message: `tokens: ${input ?? '?'} in${parts.length ? ` (${parts.map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}, ${
          output ?? '?'
        } out${reasoning !== undefined ? ` (${reasoning} reasoning)` : ''}`,
      });
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
      readStatus(message);
      events.push({ type: 'progress', message: `error: ${firstLine(message)}` });
    },
  };

  /**
   * `unexpected status 401 Unauthorized` in a reconnect notice: Codex retries it five times over
   * the WebSocket and again over HTTPS (~14 s, capture codex-badkey); a 401/403 cannot get better.
   * Other statuses (404 while falling back to HTTPS, capture codex-success) are only noted.
   */
  function readStatus(message: string): void {
    const match = /(?:unexpected status|last status:) (\d{3})/.exec(message);
    if (!match) return;
    const status = Number(match[1]);
    report.statuses.push(status);
    if (status === 401 || status === 403) {
      report.authFailed = true;
      fatal ??= `authentication failed (HTTP ${status})`;
    }
  }

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
        readStatus(message);
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
    fatal: () => fatal,
  };
}

function add(total: number | null, value: number | undefined): number | null {
  return value === undefined ? total : (total ?? 0) + value;
}
