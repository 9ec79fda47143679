import type { Document } from 'yaml';
import type { Problem } from '../errors.js';
import { PLAN_CODES } from './codes.js';
import { type FieldPath, formatFieldPath } from './field-path.js';
import { findJsonDuplicateKeys, findJsonError, jsonPositions, mayRepeatKeys } from './json-scan.js';
import { documentPositions, lazyPositions, lineIndex, type Position, type PositionOf } from './source-map.js';
import { yamlLibrary } from './yaml-lib.js';

/** A text read as data, with a way back from field paths to positions, or why it could not be. */
export type SyntaxResult =
  | { ok: true; value: unknown; positionOf: PositionOf }
  | { ok: false; problems: Problem[] };

/** What a hand-written file most often did, for the parser's errors that do not say it. */
const YAML_HINTS: Partial<Record<string, string>> = {
  // `title: A` followed by a line indented deeper (`     run: x`): the value runs on into it.
  BLOCK_AS_IMPLICIT_KEY:
    ' (the value here runs on into a line indented further below it: keys of one mapping start in the same column)',
  MULTILINE_IMPLICIT_KEY:
    ' (a line below is indented further than this key: keys of one mapping start in the same column)',
};

/**
 * Reads YAML; a syntax error becomes a problem with its line and column. Only the first is
 * reported: the parser's later errors are mostly echoes of it. Keys written twice in one
 * mapping are all reported, each naming where the key was first.
 */
export function readYaml(text: string, file: string): SyntaxResult {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *base`) are YAML 1.1, widely used; accepted so an anchor can share fields.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: sameKey });
  if (doc.errors.length > 0) {
    const onlyDuplicates = doc.errors.every((error) => error.code === 'DUPLICATE_KEY');
    const problems = doc.errors.slice(0, onlyDuplicates ? undefined : 1).map((error): Problem => {
      const { line, col } = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      const location = { file, line, column: col };
      const duplicate = error.code === 'DUPLICATE_KEY' ? yamlDuplicateAt(doc, error.pos[0]) : undefined;
      if (duplicate) {
        const first = lineCounter.linePos(duplicate.first);
        return {
          code: PLAN_CODES.duplicateKey,
          message: duplicateKeyMessage(duplicate.key, { line: first.line, column: first.col }, 'YAML'),
          location: { ...location, field: formatFieldPath(duplicate.path) },
        };
      }
      return {
        code: PLAN_CODES.yaml,
        message: `malformed YAML: ${firstLine(error.message)}${
          firstLine(error.message).startsWith('Sequence item without - indicator')
            ? ' (this line is indented less than the keys of the list item above it)'
            : (YAML_HINTS[error.code] ?? '')
        }`,
        location,
      };
    });
    return { ok: false, problems };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml library refuses alias expansion beyond maxAliasCount (a "billion laughs" file).
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [
        {
          code: PLAN_CODES.yaml,
          message: /alias/i.test(reason)
            ? 'malformed YAML: aliases expand too far (more than 100 uses of anchors); write the values out'
            : `malformed YAML: ${firstLine(reason)}`,
          location: { file, line: 1, column: 1 },
        },
      ],
    };
  }
  return { ok: true, value, positionOf: documentPositions(doc, lineCounter) };
}

/**
 * Reads JSON with `JSON.parse`; a syntax error names its line and column. `parsed`: the value
 * of `JSON.parse(text)` when the caller has it already.
 */
export function readJson(text: string, file: string, parsed?: { value: unknown }): SyntaxResult {
  try {
    const value = parsed ? parsed.value : JSON.parse(text);
    // `JSON.parse` keeps the last of a key written twice: a hand-written plan would lose the
    // first without a word. The cheap count first; the full scan only when it cannot rule them out.
    const repeated = mayRepeatKeys(text, value) ? findJsonDuplicateKeys(text) : [];
    if (repeated.length > 0) {
      const toPosition = lineIndex(text);
      const problems = repeated.map(({ path, offset, first }): Problem => {
        const at = toPosition(offset);
        const before = toPosition(first);
        return {
          code: PLAN_CODES.duplicateKey,
          message: duplicateKeyMessage(path[path.length - 1]!, before, 'JSON'),
          location: { file, line: at.line, column: at.column, field: formatFieldPath(path) },
        };
      });
      return { ok: false, problems };
    }
    return { ok: true, value, positionOf: lazyPositions(text, jsonPositions) };
  } catch (error) {
    const found = findJsonError(text);
    const pos = found ? lineIndex(text)(found.offset) : undefined;
    const detail = found?.message ?? (error instanceof Error ? error.message : String(error));
    return {
      ok: false,
      problems: [
        {
          code: PLAN_CODES.json,
          message: `malformed JSON: ${detail}`,
          location: pos ? { file, line: pos.line, column: pos.column } : { file },
        },
      ],
    };
  }
}

/**
 * Two keys the same once read: besides equal values (the library's own test), `1` and `"1"`,
 * or `true` and `"true"`, which become one key of the object read, the last silently winning.
 * Merge keys (`<<`) may repeat.
 */
function sameKey(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const { isScalar } = yamlLibrary();
  if (!isScalar(a) || !isScalar(b)) return false;
  if (typeof a.value === 'symbol' || typeof b.value === 'symbol') return false;
  return String(a.value) === String(b.value);
}

/** The key written twice whose second occurrence starts at `offset`: its text, path and first place. */
function yamlDuplicateAt(
  doc: Document,
  offset: number,
): { key: string; path: FieldPath; first: number } | undefined {
  const { isMap, isScalar, isSeq } = yamlLibrary();
  const keyText = (key: unknown) => (isScalar(key) ? String(key.value) : String(key));
  const search = (node: unknown, path: FieldPath): ReturnType<typeof yamlDuplicateAt> => {
    if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        const found = search(item, [...path, index]);
        if (found) return found;
      }
    }
    if (!isMap(node)) return undefined;
    for (const [index, pair] of node.items.entries()) {
      const key = keyText(pair.key);
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        const first = node.items.slice(0, index).find((other) => sameKey(other.key, pair.key));
        const start = isScalar(first?.key) ? first.key.range?.[0] : undefined;
        return start === undefined ? undefined : { key, path: [...path, key], first: start };
      }
      const found = search(pair.value, [...path, key]);
      if (found) return found;
    }
    return undefined;
  };
  return search(doc.contents, []);
}

/** The words for a key written twice in one mapping, whatever the format. */
function duplicateKeyMessage(key: string | number, first: Position, format: 'JSON' | 'YAML'): string {
  const consequence =
    format === 'JSON'
      ? 'JSON.parse would keep only the last one and drop the other without a word'
      : 'a key may appear once in a mapping';
  return `duplicate key \`${key}\` (also at line ${first.line}, column ${first.column}): ${consequence}; write it once`;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
