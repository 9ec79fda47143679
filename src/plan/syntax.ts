import type { Problem } from '../errors.js';
import { PLAN_CODES } from './codes.js';
import { findJsonError, jsonPositions } from './json-scan.js';
import { documentPositions, lazyPositions, lineIndex, type PositionOf } from './source-map.js';
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
 * reported: the parser's later errors are mostly echoes of it.
 */
export function readYaml(text: string, file: string): SyntaxResult {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *base`) are YAML 1.1, widely used; accepted so an anchor can share fields.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.slice(0, 1).map((error): Problem => {
      const { line, col } = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      return {
        code: PLAN_CODES.yaml,
        message: `malformed YAML: ${firstLine(error.message)}${
          firstLine(error.message).startsWith('Sequence item without - indicator')
            ? ' (this line is indented less than the keys of the list item above it)'
            : (YAML_HINTS[error.code] ?? '')
        }`,
        location: { file, line, column: col },
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

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
