import { list } from './commands/list.js';
import { status } from './commands/status.js';
import { parseQuickRead } from './quick-read.js';

/** What a read printed, chunk by chunk, as the command wrote it to its `Io`. */
export interface ReadPrinted {
  stdout: string[];
  stderr: string[];
}

/**
 * The entry of `dist/cli/read-script.cjs`: `status [id] [--json]` and `list [--json]` as one
 * classic script, everything it needs inside (`scripts/bundle-reads.mjs`), which
 * `read-script-runner.cts` compiles with V8's code cache. Runs the same command function as
 * `quick-read.ts` and returns what it printed, or `null` (nothing printed, nothing to undo) for
 * anything else: another command line, an error, or a step the script does not hold (every
 * `import()` of the bundled code fails in the script: git for a linked worktree, the config
 * schema on a cache miss). The caller then runs the ES module CLI, which prints the result or the
 * error exactly as the program does.
 */
export async function readScript(
  argv: readonly string[],
  cwd: string,
  isTTY: boolean,
): Promise<ReadPrinted | null> {
  const read = parseQuickRead(argv);
  // `show` reads the plan's analysis through modules loaded on demand: it stays an ES module.
  if (!read || read.command === 'show') return null;
  const printed: ReadPrinted = { stdout: [], stderr: [] };
  const io = {
    isTTY,
    out: (text: string) => void printed.stdout.push(text),
    err: (text: string) => void printed.stderr.push(text),
  };
  try {
    if (read.command === 'status') await status({ cwd, io, id: read.id, watch: false, json: read.json });
    else await list({ cwd, io, json: read.json });
  } catch {
    return null;
  }
  return printed;
}
