import { readFileSync } from 'node:fs';
import { PLAN_CODES } from './codes.js';
import { type ParseResult, parsePlan } from './parse.js';

/** Overrides for a plan loaded from a file (`milestone plan <title> --from FILE --id ID`). */
export interface LoadPlanOptions {
  title?: string | undefined;
  id?: string | undefined;
}

/**
 * Reads a plan file and parses it. A missing or unreadable file is a problem
 * (MILESTONE_PLAN_FILE) naming the file, not an exception.
 */
export async function loadPlanFile(path: string, options: LoadPlanOptions = {}): Promise<ParseResult> {
  return (await readPlanFile(path, options)).parsed;
}

/**
 * {@link loadPlanFile}, with the text it parsed (`undefined` when the file could not be read):
 * `plan --from` records the text's hash without reading the file a second time.
 */
export async function readPlanFile(
  path: string,
  options: LoadPlanOptions = {},
): Promise<{ parsed: ParseResult; text: string | undefined }> {
  let text: string;
  try {
    // One synchronous read: the file is read whole either way, and this skips the promise API's
    // round trips through the thread pool.
    const bytes = readFileSync(path);
    const utf16 = utf16Of(bytes);
    if (utf16) {
      const message = `is ${utf16} text (PowerShell's \`>\` and some editors write it): save it as UTF-8`;
      return {
        parsed: {
          plan: null,
          format: null,
          problems: [{ code: PLAN_CODES.file, message, location: { file: path } }],
        },
        text: undefined,
      };
    }
    text = bytes.toString('utf8');
  } catch (error) {
    return {
      parsed: {
        plan: null,
        format: null,
        problems: [{ code: PLAN_CODES.file, message: unreadable(error), location: { file: path } }],
      },
      text: undefined,
    };
  }
  return { parsed: parsePlan(text, { file: path, title: options.title, id: options.id }), text };
}

/**
 * `UTF-16LE`/`UTF-16BE` where the file is UTF-16 (its byte order mark, or ASCII text with every
 * other byte zero): read as UTF-8 it would be refused as malformed at its first byte.
 */
function utf16Of(bytes: Buffer): string | null {
  if (bytes.length < 2) return null;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'UTF-16LE';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'UTF-16BE';
  if (bytes.length >= 4 && bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0)
    return 'UTF-16LE';
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0 && bytes[3] !== 0)
    return 'UTF-16BE';
  return null;
}

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'plan file not found';
  if (code === 'EISDIR') return 'is a directory, not a plan file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read the plan file: permission denied';
  return `cannot read the plan file: ${error instanceof Error ? error.message : String(error)}`;
}
