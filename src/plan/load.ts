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
    text = readFileSync(path, 'utf8');
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

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'plan file not found';
  if (code === 'EISDIR') return 'is a directory, not a plan file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read the plan file: permission denied';
  return `cannot read the plan file: ${error instanceof Error ? error.message : String(error)}`;
}
