// Runs `status` and `list` from dist/cli/read-script.cjs (src/cli/read-script.ts, bundled by
// scripts/bundle-reads.mjs): one classic script with everything it needs inside, compiled with
// V8's code cache (code-cache.cts). No ES module is loaded for these reads, so `bin.cjs` never
// starts node's ES module loader for them, and no code is compiled once the cache is warm.
import fs = require('node:fs');
import nodeModule = require('node:module');
import path = require('node:path');
import codeCache = require('./code-cache.cjs');

/** What the script's `readScript` returns (src/cli/read-script.ts). */
interface ReadPrinted {
  stdout: string[];
  stderr: string[];
}

type ReadScript = (argv: readonly string[], cwd: string, isTTY: boolean) => Promise<ReadPrinted | null>;

const SCRIPT = path.join(__dirname, 'read-script.cjs');

/**
 * Runs `status` / `list` through the read script and hands what it printed to `print`; false
 * (nothing printed) when the caller must run the ES module CLI: another command line, no script
 * (running from source), or anything the script hands back (an error, a step it does not hold).
 */
async function runReadScript(
  argv: readonly string[],
  cwd: string,
  isTTY: boolean,
  print: (printed: ReadPrinted) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const [command] = argv;
  if (command !== 'status' && command !== 'list') return false;
  let printed: ReadPrinted | null | undefined;
  let compiled: ReturnType<typeof codeCache.compileCached>;
  try {
    // The file is a function expression (the CommonJS wrapper node puts around a module).
    compiled = codeCache.compileCached(
      fs.readFileSync(SCRIPT),
      SCRIPT,
      codeCache.codeCacheDir(env),
      codeCache.installationName('read-script', SCRIPT),
    );
    const module = { exports: {} as { readScript?: ReadScript } };
    (compiled.script.runInThisContext() as (...args: unknown[]) => void).call(
      module.exports,
      module.exports,
      nodeModule.createRequire(SCRIPT),
      module,
      SCRIPT,
      __dirname,
    );
    printed = await module.exports.readScript?.(argv, cwd, isTTY);
  } catch {
    return false;
  }
  if (!printed) return false;
  print(printed);
  // After the run: the functions it compiled lazily are in the cache too.
  compiled.save();
  return true;
}

/** Writes what the script printed as `processIo` would have, chunk by chunk. */
function printRead(printed: ReadPrinted): void {
  for (const stream of [process.stdout, process.stderr]) {
    // `milestone status | head` closes the pipe early: that is the reader's choice, not an error.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  for (const text of printed.stdout) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  for (const text of printed.stderr) process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

export = { runReadScript, printRead };
