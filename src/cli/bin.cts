#!/usr/bin/env node
// The `milestone` command (package.json `bin`). CommonJS, so node starts it without its ES
// module loader, and it requires nothing but node's own modules: `--version`, `--help` and a bare
// `milestone` are answered here, in about the time node itself takes to start. Anything else
// loads the CLI (main.js, then commander and the command; `status`, `list` and `show` skip
// commander: main.js's quick-read.ts) and runs it; `status` and `list` first try the read script
// (read-script-runner.cts), which loads no ES module at all.
import fs = require('node:fs');
import path = require('node:path');

/** The width program.ts wraps the help at (its HELP_WIDTH), and the width of help.txt. */
const HELP_WIDTH = 80;

/** Standard output or standard error, by file descriptor. */
type Fd = 1 | 2;

interface Answer {
  fd: Fd;
  text: string;
  code: number;
}

/** `process.stdout` or `process.stderr`: made on first use, which loads node's stream modules. */
function streamOf(fd: Fd): NodeJS.WriteStream {
  return fd === 1 ? process.stdout : process.stderr;
}

/**
 * Whether `fd` may be a terminal: only a character device can be (a pipe or a file cannot). Asked
 * of the file system so that no stream is made for a pipe or a file (see {@link writeAnswer}).
 */
function mayBeTerminal(fd: Fd): boolean {
  try {
    return fs.fstatSync(fd).isCharacterDevice();
  } catch {
    return true; // Unknown: ask the stream.
  }
}

/** The top-level help write-help.ts wrote at build time, or null where commander must answer. */
function helpText(fd: Fd): string | null {
  // A terminal narrower than the help: commander wraps it to fit.
  if (mayBeTerminal(fd)) {
    const stream = streamOf(fd);
    if (stream.isTTY && stream.columns < HELP_WIDTH) return null;
  }
  try {
    return fs.readFileSync(path.join(__dirname, 'help.txt'), 'utf8');
  } catch {
    return null;
  }
}

/** What commander would print for these exact command lines, or null for anything else. */
function quickAnswer(argv: readonly string[]): Answer | null {
  const [only, ...rest] = argv;
  if (rest.length > 0) return null;
  if (only === '--version' || only === '-V') {
    const manifest = fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8');
    return {
      fd: 1,
      text: `${(JSON.parse(manifest) as { version: string }).version}\n`,
      code: 0,
    };
  }
  if (only === '--help' || only === '-h') {
    const text = helpText(1);
    return text === null ? null : { fd: 1, text, code: 0 };
  }
  if (only === undefined) {
    // No command: commander prints the help on stderr, a usage error (exit 2).
    const text = helpText(2);
    return text === null ? null : { fd: 2, text, code: 2 };
  }
  return null;
}

/**
 * Writes an answer straight to its file descriptor: node's `process.stdout` would first load its
 * stream modules (a `net.Socket` for a pipe, a `tty.WriteStream` for a terminal: ~5 ms, a tenth of
 * the command on this machine). A reader that closed the pipe early (`milestone --help | head`)
 * is its choice, not an error. A non-blocking pipe that is full (`EAGAIN`) gets the rest through
 * the stream, which waits for it to drain.
 */
function writeAnswer(fd: Fd, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') return;
    if (code !== 'EAGAIN') throw error;
    const stream = streamOf(fd);
    stream.on('error', (failure: NodeJS.ErrnoException) => {
      if (failure.code !== 'EPIPE') throw failure;
    });
    stream.write(bytes.subarray(written));
  }
}

/**
 * The folder the command was typed in, or null where it no longer exists: a shell left in a folder
 * removed meanwhile (a landed task's worktree, `milestone clean`) has no current directory for
 * node (`process.cwd()` throws `ENOENT: uv_cwd`).
 */
function currentFolder(): string | null {
  try {
    return process.cwd();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const argv = process.argv.slice(2);
const answer = quickAnswer(argv);
if (answer) {
  process.exitCode = answer.code;
  writeAnswer(answer.fd, answer.text);
} else if (currentFolder() === null) {
  // Bad input (exit 2): the one message, not node's stack trace from the first process.cwd().
  process.exitCode = 2;
  writeAnswer(
    2,
    "milestone: the folder you are in no longer exists (it was removed: a landed task's worktree, a slot `milestone clean` removed); cd to your repository and run the command again\n",
  );
} else {
  // `status` and `list`: the read script (read-script-runner.cts), no ES module loaded; anything
  // it hands back, and every other command, runs the CLI.
  const { printRead, runReadScript } =
    require('./read-script-runner.cjs') as typeof import('./read-script-runner.cjs');
  void runReadScript(argv, process.cwd(), Boolean(process.stdout.isTTY), printRead).then((done) => {
    if (!done) void import('./main.js').then(({ runCli }) => runCli(argv));
  });
}
