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

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SEPARATOR = '\u0000';

/**
 * The first syntax error of a JSON text, or `null` when it is valid. `JSON.parse` gives a
 * position for only some errors, so this scanner finds it for all of them.
 */
export function findJsonError(text: string): JsonError | null {
  return scanJson(text, undefined);
}

/**
 * Positions of every key and value of a valid JSON text, from one pass over it; a path that
 * does not exist gives the position of its deepest existing parent.
 */
export function jsonPositions(text: string): PositionOf {
  const offsets = new Map<string, NodeOffsets>();
  scanJson(text, (path, offset) => offsets.set(path.join(SEPARATOR), offset));
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

function scanJson(
  text: string,
  record: ((path: FieldPath, offsets: NodeOffsets) => void) | undefined,
): JsonError | null {
  let i = 0;
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
      for (;;) {
        space();
        const start = i;
        if (text[i] !== '"') fail(`expected a "quoted" key, found ${shown()}`);
        if (!match(STRING)) fail('unterminated or invalid string');
        expect(':', '`:` after the key');
        path.push(record ? (JSON.parse(text.slice(start, i - 1).trimEnd()) as string) : '');
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
