import type { Usage } from '../core/events.js';
import type { AgentEvent } from './adapter.js';
import type { AgentStreamReader, LineHandlers, StreamReport } from './agent-stream.js';
import { describeTool, emptyReport, firstLine, readJsonLine, usageChanged } from './agent-stream.js';
import type { JsonObject } from './json-line.js';
import { arrayAt, isObject, numberAt, objectAt, stringAt } from './json-line.js';
import { oneLine } from './one-line.js';

/** Token counts of one Claude API message: input includes cache writes and reads. */
type Tokens = Omit<Usage, 'costUsd'>;

/**
 * Reads Claude Code's `--output-format stream-json --verbose` output: `system` (init,
 * api_retry), `assistant`, `user`, `rate_limit_event` and the final `result` line.
 */
export function createClaudeStreamReader(): AgentStreamReader {
  const report: StreamReport = emptyReport();
  // One API message comes as one line per content block, each repeating its usage.
  const messages = new Map<string, Tokens>();
  let fatal: string | undefined;

  const setSession = (line: JsonObject, events: AgentEvent[]): void => {
    const id = stringAt(line.session_id);
    if (id === undefined || id === report.sessionId) return;
    report.sessionId = id;
    events.push({ type: 'session', sessionId: id });
  };
  const setUsage = (usage: Usage, events: AgentEvent[]): void => {
    if (!usageChanged(usage, report.usage)) return;
    report.usage = usage;
    events.push({ type: 'usage', usage });
  };

  const readers: LineHandlers = {
    system: (line, events) => {
      if (line.subtype === 'init') {
        const version = stringAt(line.claude_code_version);
        const model = stringAt(line.model) ?? 'default model';
        const mode = stringAt(line.permissionMode) ?? 'default';
        events.push({
          type: 'progress',
          message: `claude${version ? ` ${version}` : ''} started (${model}, permission mode ${mode})`,
        });
      } else if (line.subtype === 'api_retry') {
        const status = numberAt(line.error_status);
        const error = stringAt(line.error) ?? 'API error';
        if (status !== undefined) report.statuses.push(status);
        if (status === 429 || status === 529 || error === 'rate_limit' || error === 'overloaded') {
          report.rateLimited = true;
        }
        // A refused key or account is retried ten times over ~3 minutes by Claude Code itself
        // (capture claude-badkey); the first such retry already says the run cannot succeed.
        if (error === 'authentication_failed' || status === 401 || status === 403) {
          report.authFailed = true;
          fatal ??= `authentication failed (${error}${status ? `, HTTP ${status}` : ''})`;
        }
        if (error === 'billing_error' || status === 402) {
          report.billingFailed = true;
          fatal ??= `billing refused the call (${error}${status ? `, HTTP ${status}` : ''})`;
        }
        if (fatal !== undefined && report.errors.length === 0) report.errors.push(`API retry: ${fatal}`);
        const attempt = numberAt(line.attempt);
        const max = numberAt(line.max_retries);
        const delay = numberAt(line.retry_delay_ms);
        events.push({
          type: 'progress',
          message: `API retry${attempt ? ` ${attempt}${max ? `/${max}` : ''}` : ''}: ${error}${
            status ? ` (HTTP ${status})` : ''
          }${delay !== undefined ? `, next in ${(delay / 1000).toFixed(1)}s` : ''}`,
        });
      }
    },
    rate_limit_event: (line, events) => {
      const info = objectAt(line.rate_limit_info);
      // "allowed" lines come with every normal run; only a rejection is news.
      if (info.status !== 'rejected') return;
      report.rateLimited = true;
      const window = stringAt(info.rateLimitType);
      // A named window (five_hour, seven_day, ...) is the plan's usage limit; it says when it resets.
      if (window !== undefined) report.usageLimited = true;
      const resets = numberAt(info.resetsAt);
      if (resets !== undefined) report.resetAt = resets * 1000;
      events.push({ type: 'progress', message: `rate limit reached${window ? ` (${window})` : ''}` });
    },
    assistant: (line, events) => {
      const message = objectAt(line.message);
      const id = stringAt(message.id);
      if (id !== undefined && isObject(message.usage)) {
        messages.set(id, tokens(message.usage));
        setUsage({ ...sumTokens(messages.values()), costUsd: report.usage.costUsd }, events);
      }
      if (line.error === 'rate_limit') report.rateLimited = true;
      if (line.error === 'authentication_failed') report.authFailed = true;
      if (line.error === 'billing_error') report.billingFailed = true;
      for (const block of arrayAt(message.content)) {
        const part = objectAt(block);
        if (part.type === 'text') {
          const text = firstLine(stringAt(part.text) ?? '');
          if (text) events.push({ type: 'progress', message: text });
        } else if (part.type === 'tool_use') {
          events.push({ type: 'progress', message: `tool ${describeTool(part.name, part.input)}` });
        }
      }
    },
    user: (line, events) => {
      for (const block of arrayAt(objectAt(line.message).content)) {
        const part = objectAt(block);
        if (part.type !== 'tool_result' || part.is_error !== true) continue;
        const text = firstLine(contentText(part.content));
        events.push({ type: 'progress', message: `tool error: ${text || 'no details'}` });
      }
    },
    result: (line, events) => {
      const subtype = stringAt(line.subtype) ?? 'unknown';
      const isError = line.is_error === true;
      report.final = !isError && subtype === 'success' ? 'success' : 'error';
      if (subtype === 'error_max_turns') report.limit = 'max_turns';
      if (subtype === 'error_max_budget_usd') report.limit = 'max_budget';
      const status = numberAt(line.api_error_status);
      if (status !== undefined) report.statuses.push(status);
      const text = stringAt(line.result);
      if (report.final === 'error') {
        // With is_error the result text is the API error itself ("Invalid API key ...").
        if (isError && text) report.errors.push(text);
        for (const error of arrayAt(line.errors)) if (typeof error === 'string') report.errors.push(error);
        if (subtype !== 'success') report.errors.push(subtype);
      }
      if (text) report.summary = oneLine(text, 300);
      if (text !== undefined) report.output = text;
      for (const denial of arrayAt(line.permission_denials)) {
        const name = describeDenial(objectAt(denial));
        report.denials.push(name);
        events.push({ type: 'progress', message: `permission denied: ${name}` });
      }
      const cost = numberAt(line.total_cost_usd) ?? null;
      // `modelUsage` covers every model of the session, subagents included; the result's `usage`
      // leaves subagents out; the per-message sum is the last fallback.
      const total =
        modelUsageTokens(line.modelUsage) ??
        (isObject(line.usage) ? tokens(line.usage) : sumTokens(messages.values()));
      setUsage({ ...total, costUsd: cost }, events);
      const turns = numberAt(line.num_turns);
      events.push({
        type: 'progress',
        message: `finished: ${subtype}${isError ? ' (is_error)' : ''}${turns !== undefined ? ` after ${turns} turns` : ''}`,
      });
    },
  };

  return {
    read: (text) => readJsonLine(text, readers, setSession),
    report: () => structuredClone(report),
    fatal: () => fatal,
  };
}

/** Input tokens count cache writes and reads too: all prompt tokens the model processed. */
function tokens(usage: JsonObject): Tokens {
  const parts = [usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens]
    .map(numberAt)
    .filter((n): n is number => n !== undefined);
  return {
    inputTokens: parts.length > 0 ? parts.reduce((a, b) => a + b, 0) : null,
    outputTokens: numberAt(usage.output_tokens) ?? null,
  };
}

/** Tokens summed over `modelUsage` (per model, camelCase fields); `undefined` when it is absent or empty. */
function modelUsageTokens(value: unknown): Tokens | undefined {
  if (!isObject(value)) return undefined;
  const models = Object.values(value).filter(isObject);
  if (models.length === 0) return undefined;
  return sumTokens(
    models.map((m) =>
      tokens({
        input_tokens: m.inputTokens ?? null,
        cache_creation_input_tokens: m.cacheCreationInputTokens ?? null,
        cache_read_input_tokens: m.cacheReadInputTokens ?? null,
        output_tokens: m.outputTokens ?? null,
      }),
    ),
  );
}

function sumTokens(all: Iterable<Tokens>): Tokens {
  let inputTokens: number | null = null;
  let outputTokens: number | null = null;
  for (const t of all) {
    if (t.inputTokens !== null) inputTokens = (inputTokens ?? 0) + t.inputTokens;
    if (t.outputTokens !== null) outputTokens = (outputTokens ?? 0) + t.outputTokens;
  }
  return { inputTokens, outputTokens };
}

/** `Bash(rm -rf build)`: a denied tool use the way allow rules are written. */
function describeDenial(denial: JsonObject): string {
  const tool = stringAt(denial.tool_name) ?? 'unknown tool';
  const input = objectAt(denial.tool_input);
  const target = stringAt(input.command) ?? stringAt(input.file_path) ?? stringAt(input.url);
  return oneLine(target === undefined ? tool : `${tool}(${target})`, 160);
}

/** A tool result's content: a string, or text blocks. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return arrayAt(content)
    .map((block) => stringAt(objectAt(block).text) ?? '')
    .join('\n');
}
