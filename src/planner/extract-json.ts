import { findJsonError } from '../plan/json-scan.js';
import { lineIndex } from '../plan/source-map.js';

/** The JSON document found in an agent's answer, or why none could be read. */
export type ExtractedJson =
  | {
      ok: true;
      /** The document's text, as the agent wrote it. */
      json: string;
      value: unknown;
    }
  | { ok: false; problem: string };

/** A fenced block: its info string and its body (the fence lines excluded). */
const FENCE = /^[ \t]*(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n([\s\S]*?)\n[ \t]*\1[ \t]*$/gm;

/**
 * Finds the one JSON object an agent was asked to reply with: the whole answer, else a fenced
 * block (```json or a bare fence; the last one that parses), else the largest `{...}` span in
 * the prose around it. Pure. A document that is there but malformed is reported with the
 * parser's message and its line, so a retry can fix exactly that.
 */
export function extractJson(answer: string): ExtractedJson {
  const text = answer.trim();
  if (text === '') return { ok: false, problem: 'the answer was empty; expected one JSON document' };
  const whole = parseObject(text);
  if (whole) return whole;

  const fenced = [...text.matchAll(FENCE)]
    .filter((m) => /^(json5?|jsonc)?$/i.test(m[2] ?? '') || (m[3] ?? '').trimStart().startsWith('{'))
    .map((m) => (m[3] ?? '').trim());
  for (const body of [...fenced].reverse()) {
    const found = parseObject(body);
    if (found) return found;
  }
  const spans = objectSpans(text)
    .map((span) => parseObject(span))
    .filter((found): found is Extract<ExtractedJson, { ok: true }> => found !== null);
  if (spans.length > 0) {
    return spans.reduce((best, found) => (found.json.length > best.json.length ? found : best));
  }

  // Something JSON-like is there but does not parse: say where it breaks.
  const attempt = fenced.at(-1) ?? outermost(text);
  if (attempt !== null) return { ok: false, problem: `malformed JSON: ${describeError(attempt)}` };
  return {
    ok: false,
    problem: 'no JSON document found in the answer; reply with exactly one JSON object',
  };
}

function parseObject(text: string): Extract<ExtractedJson, { ok: true }> | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    return { ok: true, json: text, value };
  } catch {
    return null;
  }
}

/**
 * Every top-level `{...}` span of `text`, braces inside JSON strings skipped. Prose may hold
 * stray braces; a span that does not parse is dropped by the caller.
 */
function objectSpans(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"' && depth > 0) inString = true;
    else if (char === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (char === '}' && depth > 0) {
      depth--;
      if (depth === 0) spans.push(text.slice(start, i + 1));
    }
  }
  return spans;
}

/** From the first `{` to the last `}`: the agent's attempt at a document, for the error message. */
function outermost(text: string): string | null {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  return start >= 0 && end > start ? text.slice(start, end + 1) : null;
}

function describeError(json: string): string {
  const error = findJsonError(json);
  if (!error) return 'not a JSON object';
  const { line, column } = lineIndex(json)(error.offset);
  return `${error.message} (line ${line}, column ${column} of the JSON document)`;
}
