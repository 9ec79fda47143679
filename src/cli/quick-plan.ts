import { EXIT } from '../errors.js';
import type { Io } from '../io/io.js';

/** A `plan --from FILE` command line the quick path runs: the file, `--id`, `--json`. */
export interface QuickPlan {
  from: string;
  id: string | undefined;
  json: boolean;
}

/**
 * The `plan` command lines answered without the commander program (commander and every
 * command's declaration: ~40 ms of a ~0.5 s import): `plan --from FILE [--id ID] [--json]`, in
 * any order, each at most once. Any other spelling (a title, `--from=FILE`, a value that starts
 * with `-` or is empty, another option, `--help`, `--`) is `null`, and commander parses it as
 * always, with its own messages.
 */
export function parseQuickPlan(argv: readonly string[]): QuickPlan | null {
  const [command, ...rest] = argv;
  if (command !== 'plan') return null;
  let from: string | undefined;
  let id: string | undefined;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === '--json' && !json) {
      json = true;
      continue;
    }
    if ((word !== '--from' || from !== undefined) && (word !== '--id' || id !== undefined)) return null;
    const value = rest[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return null;
    if (word === '--from') from = value;
    else id = value;
  }
  return from === undefined ? null : { from, id, json };
}

/**
 * Runs a command line that {@link parseQuickPlan} accepts, exactly as the program would: the same
 * `plan` function with the options commander would give it, and an error reported by the same
 * `reportError`, so the output and the exit code are the program's. Returns the exit code, or
 * `null` when the line is not one of these (the caller runs the program).
 */
export async function quickPlan(argv: readonly string[], io: Io, cwd: string): Promise<number | null> {
  const line = parseQuickPlan(argv);
  if (!line) return null;
  try {
    // One bundled file in dist/ (`plan-command.ts`, `scripts/bundle-reads.mjs`).
    const { plan } = await import('./plan-command.js');
    await plan({ cwd, io, from: line.from, id: line.id, json: line.json });
    return EXIT.ok;
  } catch (error) {
    const { reportError } = await import('../io/report-error.js');
    return reportError(io, error);
  }
}
