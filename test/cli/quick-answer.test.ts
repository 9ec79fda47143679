import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { topLevelHelp } from '../../src/cli/program.js';
import { quickAnswer } from '../../src/cli/quick-answer.js';
import { milestone, tempDir } from '../helpers/git-repo.js';
import { staticImports } from './static-imports.js';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

describe('milestone --version and --help answer without loading the CLI', () => {
  it('--version and -V print the version in package.json', async () => {
    const dir = tempDir();
    for (const flag of ['--version', '-V']) {
      expect(await milestone(dir, [flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    }
  });

  it('--help, -h and a bare `milestone` print exactly the help commander prints (`milestone help`)', async () => {
    const dir = tempDir();
    const fromCommander = await milestone(dir, ['help']);
    expect(fromCommander.code).toBe(0);
    expect(fromCommander.stdout).toContain('Usage: milestone [options] [command]');
    expect(fromCommander.stdout).toContain(`Exit codes: 0 done`);
    for (const flag of ['--help', '-h']) {
      expect(await milestone(dir, [flag])).toEqual({ code: 0, stdout: fromCommander.stdout, stderr: '' });
    }
    // No command is a usage error: the help on stderr, exit 2, as commander does.
    expect(await milestone(dir, [])).toEqual({ code: 2, stdout: '', stderr: fromCommander.stdout });
  });

  it('the help the build wrote is the help the program in src/ prints today', () => {
    expect(readFileSync(resolve(ROOT, 'dist/cli/help.txt'), 'utf8')).toBe(topLevelHelp());
  });

  it('the bin entry imports neither commander nor any command for them', () => {
    const { files, packages } = staticImports('src/cli/main.ts');
    expect([...packages]).toEqual([]);
    expect([...files].sort()).toEqual([
      'src/cli/main.ts',
      'src/cli/quick-answer.ts',
      'src/cli/version.ts',
      'src/errors.ts',
      'src/io/io.ts',
    ]);
  });

  it('anything else is for commander: a subcommand, more arguments, a terminal narrower than the help', async () => {
    const wide = { stdout: { isTTY: true, columns: 200 }, stderr: { isTTY: false } };
    const built = pathToFileURL(resolve(ROOT, 'dist/cli/help.txt'));
    expect(quickAnswer(['--help'], wide, built)?.text).toBe(topLevelHelp());
    expect(quickAnswer(['status', '--help'], wide, built)).toBeNull();
    expect(quickAnswer(['--help', 'status'], wide, built)).toBeNull();
    expect(quickAnswer(['--help'], { stdout: { isTTY: true, columns: 60 }, stderr: {} }, built)).toBeNull();
    expect(quickAnswer([], { stdout: {}, stderr: { isTTY: true, columns: 60 } }, built)).toBeNull();

    const status = await milestone(tempDir(), ['status', '--help']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Usage: milestone status [options] [id]');
  });
});
