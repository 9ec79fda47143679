import { EXIT } from '../errors.js';
import type { Io } from '../io/io.js';

/** A read command line the quick path runs: `status`, `list` or `show`, `--json`, an id. */
export interface QuickRead {
  command: 'status' | 'list' | 'show';
  id: string | undefined;
  json: boolean;
}

/**
 * The read command lines answered without the commander program (about a third of a read's
 * start: commander and every command's declaration): `status [id] [--json]`, `show [id]
 * [--json]` and `list [--json]`, nothing else. Any other spelling (`--watch`, `--help`, `-h`,
 * `--`, an unknown option, an extra argument) is `null`, and commander parses it as always, with
 * its own messages.
 */
export function parseQuickRead(argv: readonly string[]): QuickRead | null {
  const [command, ...rest] = argv;
  if (command !== 'status' && command !== 'list' && command !== 'show') return null;
  let id: string | undefined;
  let json = false;
  for (const word of rest) {
    if (word === '--json') json = true;
    else if (word.startsWith('-') || word === '' || id !== undefined || command === 'list') return null;
    else id = word;
  }
  return { command, id, json };
}

/**
 * Runs a read command line that {@link parseQuickRead} accepts, exactly as the program would:
 * the same command function with the same options, and an error reported by the same
 * `reportError`, so the output and the exit code are the program's. Returns the exit code, or
 * `null` when the line is not one of these (the caller runs the program).
 */
export async function quickRead(argv: readonly string[], io: Io, cwd: string): Promise<number | null> {
  const read = parseQuickRead(argv);
  if (!read) return null;
  try {
    // Each command from one bundled file in dist/ (`read-status.ts`, `scripts/bundle-reads.mjs`).
    if (read.command === 'status') {
      const { status } = await import('./read-status.js');
      await status({ cwd, io, id: read.id, watch: false, json: read.json });
    } else if (read.command === 'list') {
      const { list } = await import('./read-list.js');
      await list({ cwd, io, json: read.json });
    } else {
      const { show } = await import('./read-show.js');
      await show({ cwd, io, id: read.id, json: read.json });
    }
    return EXIT.ok;
  } catch (error) {
    const { reportError } = await import('../io/report-error.js');
    return reportError(io, error);
  }
}
