import type { Document, LineCounter } from 'yaml';
import type { FieldPath } from './field-path.js';
import { yamlLibrary } from './yaml-lib.js';

/** A 1-based line and column in a source text. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Where the node at a field path starts. `key` asks for the key of a mapping entry (for an
 * unknown key) rather than its value. A path that does not resolve fully gives the position
 * of the deepest node that exists (a missing field points at its parent).
 */
export type PositionOf = (path: FieldPath, target?: 'key' | 'value') => Position | undefined;

/** Positions from a parsed YAML document (JSON is YAML too, so this serves both). */
export function documentPositions(doc: Document, lineCounter: LineCounter): PositionOf {
  const { isMap, isSeq } = yamlLibrary();
  return (path, target = 'value') => {
    let node: unknown = doc.contents;
    let key: unknown;
    let resolved = true;
    for (const segment of path) {
      key = undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === String(segment));
        if (!pair) {
          resolved = false;
          break;
        }
        key = pair.key;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = node.items[segment];
      } else {
        resolved = false;
        break;
      }
    }
    const chosen = resolved && target === 'key' && key ? key : node;
    const start = rangeStart(chosen);
    if (start === undefined) return undefined;
    const { line, col } = lineCounter.linePos(start);
    return { line, column: col };
  };
}

/**
 * Positions for a JSON text, computed only when first asked: a valid plan never pays for the
 * second pass over its text.
 */
export function lazyPositions(text: string, build: (text: string) => PositionOf): PositionOf {
  let positions: PositionOf | undefined;
  return (path, target) => {
    positions ??= build(text);
    return positions(path, target);
  };
}

/** Maps character offsets of `text` to lines and columns by binary search over line starts. */
export function lineIndex(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  };
}

function keyText(key: unknown): string {
  return yamlLibrary().isScalar(key) ? String(key.value) : String(key);
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}
