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

interface Answer {
  stream: NodeJS.WriteStream;
  text: string;
  code: number;
}

/** The top-level help write-help.ts wrote at build time, or null where commander must answer. */
function helpText(stream: NodeJS.WriteStream): string | null {
  // A terminal narrower than the help: commander wraps it to fit.
  if (stream.isTTY && stream.columns < HELP_WIDTH) return null;
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
      stream: process.stdout,
      text: `${(JSON.parse(manifest) as { version: string }).version}\n`,
      code: 0,
    };
  }
  if (only === '--help' || only === '-h') {
    const text = helpText(process.stdout);
    return text === null ? null : { stream: process.stdout, text, code: 0 };
  }
  if (only === undefined) {
    // No command: commander prints the help on stderr, a usage error (exit 2).
    const text = helpText(process.stderr);
    return text === null ? null : { stream: process.stderr, text, code: 2 };
  }
  return null;
}

const argv = process.argv.slice(2);
const answer = quickAnswer(argv);
if (answer) {
  // `milestone --help | head` closes the pipe early: that is the reader's choice, not an error.
  answer.stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  answer.stream.write(answer.text);
  process.exitCode = answer.code;
} else {
  // `status` and `list`: the read script (read-script-runner.cts), no ES module loaded; anything
  // it hands back, and every other command, runs the CLI.
  const { printRead, runReadScript } =
    require('./read-script-runner.cjs') as typeof import('./read-script-runner.cjs');
  void runReadScript(argv, process.cwd(), Boolean(process.stdout.isTTY), printRead).then((done) => {
    if (!done) void import('./main.js').then(({ runCli }) => runCli(argv));
  });
}
