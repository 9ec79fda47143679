import { readFileSync } from 'node:fs';
import { EXIT } from '../errors.js';
import { packageVersion } from './version.js';

/**
 * The width the top-level help is written for. The commander program wraps its help at this
 * width, or narrower on a narrower terminal, so the text written at build time is what commander
 * would print wherever it is used.
 */
export const HELP_WIDTH = 80;

/** The top-level help, written by the build (`write-help.ts`) from the real commander program. */
export const HELP_FILE = new URL('./help.txt', import.meta.url);

/** What the entry prints without loading the CLI: text on one stream and the exit code. */
export interface QuickAnswer {
  stream: 'stdout' | 'stderr';
  text: string;
  code: number;
}

/** Where the answer goes: whether it is a terminal and how wide (`columns` of a TTY stream). */
interface Stream {
  isTTY?: boolean;
  columns?: number;
}

function helpText(stream: Stream, helpFile: URL): string | null {
  // A terminal narrower than the help: commander wraps it to fit, so let commander answer.
  if (stream.isTTY && (stream.columns ?? HELP_WIDTH) < HELP_WIDTH) return null;
  try {
    return readFileSync(helpFile, 'utf8');
  } catch {
    return null; // not built (e.g. run from src/): commander answers
  }
}

/**
 * `milestone --version`, `--help` and bare `milestone` answered without commander (whose
 * loading alone costs more than the whole answer): the same text and exit code commander gives,
 * or null when the CLI must run. Only these exact command lines: anything more goes to commander.
 */
export function quickAnswer(
  argv: readonly string[],
  streams: { stdout: Stream; stderr: Stream } = process,
  helpFile: URL = HELP_FILE,
): QuickAnswer | null {
  const [only, ...rest] = argv;
  if (rest.length > 0) return null;
  if (only === '--version' || only === '-V')
    return { stream: 'stdout', text: `${packageVersion()}\n`, code: EXIT.ok };
  if (only === '--help' || only === '-h') {
    const text = helpText(streams.stdout, helpFile);
    return text === null ? null : { stream: 'stdout', text, code: EXIT.ok };
  }
  if (only === undefined) {
    // No command: commander prints the help on stderr and it is a usage error.
    const text = helpText(streams.stderr, helpFile);
    return text === null ? null : { stream: 'stderr', text, code: EXIT.usage };
  }
  return null;
}
