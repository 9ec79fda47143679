import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topLevelHelp } from '../../src/cli/program.js';
import { type CliResult, runFile, tempDir } from '../helpers/git-repo.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: { milestone: string };
};
/** The `milestone` command as installed: package.json's bin. */
const BIN = join(ROOT, MANIFEST.bin.milestone);

const run = (command: string, args: string[], cwd: string): Promise<CliResult> =>
  runFile(command, args, cwd, { NO_COLOR: '1' });

const milestone = (cwd: string, args: string[], nodeOptions: string[] = []) =>
  run(process.execPath, [...nodeOptions, BIN, ...args], cwd);

/** `milestone ...` on a terminal `columns` wide (a pty from util-linux `script`). */
const onTerminal = (cwd: string, columns: number, args: string) =>
  run(
    'script',
    ['-qec', `stty cols ${columns}; exec "${process.execPath}" "${BIN}" ${args}`, '/dev/null'],
    cwd,
  );

describe('milestone --version and --help answer without loading the CLI', () => {
  it('--version and -V print the version in package.json', async () => {
    const dir = tempDir();
    for (const flag of ['--version', '-V']) {
      expect(await milestone(dir, [flag])).toEqual({ code: 0, stdout: `${MANIFEST.version}\n`, stderr: '' });
    }
  });

  it('--help, -h and a bare `milestone` print exactly the help commander prints (`milestone help`)', async () => {
    const dir = tempDir();
    const fromCommander = await milestone(dir, ['help']);
    expect(fromCommander.code).toBe(0);
    expect(fromCommander.stdout).toContain('Usage: milestone [options] [command]');
    expect(fromCommander.stdout).toContain('Exit codes: 0 done');
    for (const flag of ['--help', '-h']) {
      expect(await milestone(dir, [flag])).toEqual({ code: 0, stdout: fromCommander.stdout, stderr: '' });
    }
    // No command is a usage error: the help on stderr, exit 2, as commander does.
    expect(await milestone(dir, [])).toEqual({ code: 2, stdout: '', stderr: fromCommander.stdout });
  });

  it('on a wide terminal and on a narrow one, --help still prints what commander prints', async () => {
    const dir = tempDir();
    const help: string[] = [];
    for (const columns of [200, 60]) {
      const fromCommander = await onTerminal(dir, columns, 'help');
      expect(fromCommander.stdout).toContain('Usage: milestone');
      expect(await onTerminal(dir, columns, '--help')).toEqual(fromCommander);
      help.push(fromCommander.stdout);
    }
    // Narrower than the help's 80 columns, commander lays it out for the terminal instead.
    expect(help[1]).not.toBe(help[0]);
  });

  it('the help the build wrote is the help the program in src/ prints today', () => {
    expect(readFileSync(join(ROOT, 'dist/cli/help.txt'), 'utf8')).toBe(topLevelHelp());
  });

  it('loads no commander and none of milestone but the bin for them; a subcommand loads commander', async () => {
    // A preload that lists, at exit, every CommonJS module loaded (commander is one, even when an
    // ES module imports it) and whether the ES module CLI ran.
    const dir = tempDir();
    const probe = join(dir, 'loaded-modules.cjs');
    writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));\n",
    );
    const loaded = async (args: string[]) => {
      const result = await milestone(dir, args, ['--require', probe]);
      return (JSON.parse(result.stderr.slice(result.stderr.lastIndexOf('["'))) as string[]).filter(
        (file) => file !== probe,
      );
    };
    // The package's bin (sh's and node's file) and the compiled bin it requires: nothing else.
    const bins = [BIN, join(ROOT, 'dist', 'cli', 'bin.cjs')];
    for (const args of [['--version'], ['--help']]) expect(await loaded(args)).toEqual(bins);
    expect(
      (await loaded(['status', '--help'])).some((file) => file.includes('/node_modules/commander/')),
    ).toBe(true);
  });

  it('--help into a pipe its reader already closed (`milestone --help | true`): exit 0, nothing on stderr', async () => {
    // The answer is written straight to the file descriptor (no stream): a closed pipe is EPIPE.
    const child = spawn(process.execPath, [BIN, '--help'], {
      cwd: tempDir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // closed long before node has started
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it("a subcommand help is commander's", async () => {
    const status = await milestone(tempDir(), ['status', '--help']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Usage: milestone status [options] [id]');
  });
});
