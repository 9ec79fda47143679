import type { FieldPath } from './field-path.js';
import { lineIndex, type PositionOf } from './source-map.js';

/** Where and why a JSON text is malformed. */
export interface JsonError {
  offset: number;
  message: string;
}

/** Offsets of one node: its key (for a mapping entry) and its value. */
interface NodeOffsets {
  key: number | undefined;
  value: number;
}

/** A key written twice in one object of a JSON text: `JSON.parse` keeps only the last. */
export interface JsonDuplicateKey {
  /** The path of the key (the object's path and the key). */
  path: FieldPath;
  /** Offset of its second (or later) occurrence. */
  offset: number;
  /** Offset of its first occurrence. */
  first: number;
}

/** What a scan reports besides the first syntax error. */
interface ScanListeners {
  /** Every key and value, with its path. */
  record?: (path: FieldPath, offsets: NodeOffsets) => void;
  /** Every key that repeats a key of the same object. */
  duplicate?: (duplicate: JsonDuplicateKey) => void;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SEPARATOR = '\u0000';

/**
 * The first syntax error of a JSON text, or `null` when it is valid. `JSON.parse` gives a
 * position for only some errors, so this scanner finds it for all of them.
 */
export function findJsonError(text: string): JsonError | null {
  return scanJson(text, {});
}

/**
 * Whether a JSON text may write a key twice in one object, from `value`, its `JSON.parse`:
 * `false` is certain. A text that `JSON.stringify` writes again from the value, as a program
 * wrote it (compact, or indented as its second line is), has exactly the value's keys. Else the
 * keys are counted: every key of the text ends in `"` and `:` (white space between allowed), so
 * the text has at most as many keys as such pairs, and the parsed value has one key less for
 * each repeated one. More pairs than parsed keys means a repeated key, or only a `":` inside a
 * string value: {@link findJsonDuplicateKeys} tells which. For the 2,000-task bench plan in a
 * fresh process: a few ms written as is (10-15 ms CPU at load ~10, counting more), where the full
 * scan takes 40-100 ms.
 */
export function mayRepeatKeys(text: string, value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (writtenAsIs(text, value)) return false;
  // Searches that allocate nothing: a count by `split` would build thousands of strings, and
  // the collection they cause would copy the whole freshly parsed plan.
  let pairs = 0;
  for (let at = text.indexOf('":'); at !== -1; at = text.indexOf('":', at + 2)) pairs += 1;
  if (SPACED_KEY_END.test(text)) {
    const spaced = new RegExp(SPACED_KEY_END.source, 'g');
    while (spaced.exec(text)) pairs += 1;
  }
  return pairs > countKeys(value);
}

/** A key's closing quote, white space, and its colon. */
const SPACED_KEY_END = /"[ \t\n\r]+:/;

/**
 * Whether `JSON.stringify` writes `value` as `text`: one call and one comparison, both in the
 * engine (writing and comparing entry by entry in JavaScript took longer).
 */
function writtenAsIs(text: string, value: object): boolean {
  const body = text.trimEnd();
  const indent = /^[[{]\r?\n([ \t]{1,10})["[{\d\-tfn]/.exec(body)?.[1];
  if (indent === undefined && body.includes('\n')) return false;
  return JSON.stringify(value, null, indent) === body;
}

function countKeys(value: object): number {
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) count += countKeys(item);
    return count;
  }
  const keys = Object.keys(value);
  count = keys.length;
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) count += countKeys(item);
  }
  return count;
}

/** Every key of a valid JSON text written twice in one object, in text order. */
export function findJsonDuplicateKeys(text: string): JsonDuplicateKey[] {
  const found: JsonDuplicateKey[] = [];
  scanJson(text, { duplicate: (duplicate) => found.push(duplicate) });
  return found;
}

/**
 * Positions of every key and value of a valid JSON text, from one pass over it; a path that
 * does not exist gives the position of its deepest existing parent.
 */
export function jsonPositions(text: string): PositionOf {
  const offsets = new Map<string, NodeOffsets>();
  scanJson(text, { record: (path, offset) => offsets.set(path.join(SEPARATOR), offset) });
  const toPosition = lineIndex(text);
  return (path, target = 'value') => {
    for (let length = path.length; length >= 0; length--) {
      const node = offsets.get(path.slice(0, length).join(SEPARATOR));
      if (!node) continue;
      const exact = length === path.length;
      return toPosition(exact && target === 'key' && node.key !== undefined ? node.key : node.value);
    }
    return undefined;
  };
}

function scanJson(text: string, { record, duplicate }: ScanListeners): JsonError | null {
  let i = 0;
  const named = record !== undefined || duplicate !== undefined;
  const path: Array<string | number> = [];
  const fail = (message: string): never => {
    throw Object.assign(new Error(message), { offset: i });
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const shown = () => (i >= text.length ? 'end of input' : `\`${text[i]}\``);
  const expect = (char: string, what: string) => {
    space();
    if (text[i] !== char) fail(`expected ${what}, found ${shown()}`);
    i++;
  };
  const match = (pattern: RegExp): boolean => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) return false;
    i = pattern.lastIndex;
    return true;
  };
  const value = (key: number | undefined): void => {
    space();
    record?.(path, { key, value: i });
    const char = text[i];
    if (char === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      // Keys seen in this object, with their offsets (only when duplicates are asked for).
      const seen = duplicate ? new Map<string, number>() : undefined;
      for (;;) {
        space();
        const start = i;
        if (text[i] !== '"') fail(`expected a "quoted" key, found ${shown()}`);
        if (!match(STRING)) fail('unterminated or invalid string');
        const end = i;
        expect(':', '`:` after the key');
        const key = named ? (JSON.parse(text.slice(start, end)) as string) : '';
        if (seen) {
          const first = seen.get(key);
          if (first === undefined) seen.set(key, start);
          else duplicate?.({ path: [...path, key], offset: start, first });
        }
        path.push(key);
        value(start);
        path.pop();
        space();
        if (text[i] !== ',') break;
        i++;
      }
      expect('}', '`,` or `}`');
      return;
    }
    if (char === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        path.push(index);
        value(undefined);
        path.pop();
        space();
        if (text[i] !== ',') break;
        i++;
      }
      expect(']', '`,` or `]`');
      return;
    }
    if (char === '"') {
      if (!match(STRING)) fail('unterminated or invalid string');
      return;
    }
    if (char !== undefined && /[-\d]/.test(char)) {
      if (!match(NUMBER)) fail('invalid number');
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    fail(`unexpected ${shown()}`);
  };
  try {
    value(undefined);
    space();
    if (i < text.length) fail(`unexpected ${shown()} after the end of the JSON value`);
    return null;
  } catch (error) {
    const offset = (error as { offset?: number }).offset;
    if (offset === undefined) throw error;
    return { offset, message: (error as Error).message };
  }
}
