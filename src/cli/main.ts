#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Io } from '../io/io.js';
import { processIo } from '../io/io.js';

/**
 * The CLI: the commander program (`program.ts`) parses `argv` and runs the command; returns the
 * exit code. The program loads on demand, so importing this module (as `bin.cjs` and the library
 * do) costs nothing until a command runs. The plain read command lines (`status`, `list`, `show`
 * with `--json` and an id) skip the program (`quick-read.ts`), as does `plan --from FILE`
 * (`quick-plan.ts`): same command, same output.
 */
export async function main(argv: string[], io: Io = processIo, cwd = process.cwd()): Promise<number> {
  return (await runLine(argv, io, cwd)).code;
}

/** What {@link runLine} ran: its exit code, and whether the process may end at once. */
interface LineRun {
  code: number;
  /** Nothing the command started is still running (every write and child awaited). */
  settled: boolean;
}

async function runLine(argv: string[], io: Io, cwd: string): Promise<LineRun> {
  // `plan` is never a quick read: its module is not loaded for it. The git modules its command
  // shares with the CLI are fetched at once, beside `quick-plan.js` (which imports them for the
  // plan script): one round of the ES module loader's file reads less before the command starts.
  if (argv[0] === 'plan') import('../git/git-exec.js').catch(() => undefined);
  else {
    const { quickRead } = await import('./quick-read.js');
    const quick = await quickRead(argv, io, cwd);
    if (quick !== null) return { code: quick, settled: false };
  }
  const { quickPlan } = await import('./quick-plan.js');
  const planned = await quickPlan(argv, io, cwd);
  // `plan --from` awaits all it starts: its files fsynced, its store closed, its git reads.
  if (planned !== null) return { code: planned, settled: true };
  const { runProgram } = await import('./program.js');
  return { code: await runProgram(argv, io, cwd), settled: false };
}

/** Runs the CLI as this process: the only place that sets the process exit code. */
export async function runCli(argv: string[]): Promise<void> {
  // `milestone ... | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const { code, settled } = await runLine(argv, processIo, process.cwd());
  process.exitCode = code;
  if (settled) await endAtOnce();
}

/**
 * Ends the process now instead of when its event loop drains: after a `plan --from` of
 * thousands of tasks the drain costs a mark-compact V8 schedules once the loop goes idle and the
 * disposal of the heap, ~50-100 ms with nothing left to do (docs/benchmarks.md). Only with
 * nothing buffered on stdout or stderr (a pipe is written asynchronously on some platforms):
 * else the natural exit, which flushes them. The pooled git shells end first and are reaped here,
 * as at a natural exit: none outlives the process, and their CPU counts in its own.
 */
async function endAtOnce(): Promise<void> {
  const { gitShellPool } = await import('../git/git-exec.js');
  await gitShellPool().close();
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
}

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

// `node dist/cli/main.js ...` (tests, the demo, the MCP server's runs): the whole CLI, always.
if (invokedDirectly) {
  const argv = process.argv.slice(2);
  // `status` and `list` through the read script first, as bin.cjs does.
  void readScriptFirst(argv).then((done) => (done ? undefined : runCli(argv)));
}

/**
 * `status` and `list` through the read script (`read-script-runner.cts`: one classic script
 * compiled with V8's code cache, no further ES module to load), printed on the process's own
 * streams. False, with nothing printed, where there is no script (running from source) or it
 * hands the line back.
 */
async function readScriptFirst(argv: string[]): Promise<boolean> {
  // Any other command: the runner (and its `node:vm`) is not loaded at all.
  if (argv[0] !== 'status' && argv[0] !== 'list') return false;
  let runner: typeof import('./read-script-runner.cjs');
  try {
    runner = createRequire(import.meta.url)('./read-script-runner.cjs') as typeof runner;
  } catch {
    return false;
  }
  return runner.runReadScript(argv, process.cwd(), Boolean(process.stdout.isTTY), runner.printRead);
}
