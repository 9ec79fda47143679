import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { milestone, tempDir } from '../helpers/git-repo.js';

// What a new user reads first: `milestone --help`, `milestone <command> --help` and the README's
// commands table. Each is checked against the real CLI, run as a subprocess.

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The command names the top-level help lists (its `Commands:` section), `help` left out. */
function commandNames(help: string): string[] {
  const start = help.indexOf('Commands:');
  const section = help.slice(start, help.indexOf('\n\n', start));
  return [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
}

/** The long options a command's help declares (`--help` left out). */
function declaredOptions(help: string): Set<string> {
  const options = [...help.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!);
  return new Set(options.filter((option) => option !== '--help'));
}

/** The lines of the `Examples:` section of a command's help. */
function examples(help: string): string[] {
  const start = help.indexOf('\nExamples:\n');
  if (start < 0) return [];
  const lines = help.slice(start + '\nExamples:\n'.length).split('\n');
  const end = lines.findIndex((line) => !line.startsWith('  '));
  return (end < 0 ? lines : lines.slice(0, end)).map((line) => line.trim());
}

async function helpOf(cwd: string, path: string[]): Promise<string> {
  const result = await milestone(cwd, [...path, '--help']);
  expect(result.code, `milestone ${path.join(' ')} --help`).toBe(0);
  return result.stdout;
}

describe('help a new user reads', () => {
  it('every command has examples whose options the command has', async () => {
    const cwd = tempDir();
    const top = await milestone(cwd, ['--help']);
    expect(top.code).toBe(0);
    const names = commandNames(top.stdout);
    expect(names).toEqual(
      expect.arrayContaining(['init', 'plan', 'validate', 'execute', 'status', 'doctor']),
    );
    const paths = [...names.map((name) => [name]), ['state', 'export'], ['state', 'import']];
    for (const path of paths) {
      const help = await helpOf(cwd, path);
      const shown = examples(help);
      expect(shown.length, `milestone ${path.join(' ')} --help has examples`).toBeGreaterThan(0);
      const options = declaredOptions(help);
      for (const line of shown) {
        const command = line.replace(/\s+#.*$/, '');
        // Each `milestone <this command>` part of the line (`validate X && plan Y` has two).
        for (const part of command.split('&&').map((p) => p.trim())) {
          // The longest command path the part starts with is the command it runs.
          const runs = paths
            .map((p) => p.join(' '))
            .filter((p) => part === `milestone ${p}` || part.startsWith(`milestone ${p} `))
            .sort((a, b) => b.length - a.length)[0];
          if (runs !== path.join(' ')) continue;
          for (const flag of part.match(/--[a-z][a-z-]*/g) ?? [])
            expect(options, `${flag} in "${line}" of milestone ${path.join(' ')}`).toContain(flag);
        }
      }
    }
  });

  it("the README's commands table names every option of each command, and no other", async () => {
    const cwd = tempDir();
    const section = README.slice(README.indexOf('## Commands'), README.indexOf('### Seeing a run'));
    const rows = section.split('\n').filter((line) => line.startsWith('| `milestone '));
    const documented = new Map<string, Set<string>>();
    for (const row of rows) {
      // A cell may hold `\|` (alternatives); the first unescaped `|` after the leading one ends it.
      const cell = row.slice(2).split(/(?<!\\)\|/)[0]!;
      const path = /`milestone ((?:state )?[a-z]+)/.exec(cell)![1]!;
      const flags = documented.get(path) ?? new Set<string>();
      for (const flag of cell.match(/--[a-z][a-z-]*/g) ?? []) flags.add(flag);
      documented.set(path, flags);
    }
    expect(documented.size).toBeGreaterThan(20);
    for (const [path, flags] of documented) {
      const options = declaredOptions(await helpOf(cwd, path.split(' ')));
      expect([...flags].sort(), `README row of milestone ${path}`).toEqual([...options].sort());
    }
  });

  it('a mistyped option names the command and the help to read, exit 2', async () => {
    const cwd = tempDir();
    const typo = await milestone(cwd, ['execute', '--concurency', '3']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown option '--concurency'");
    expect(typo.stderr).toContain('--concurrency');
    const hint = /\(run `([^`]+)` for usage\)/.exec(typo.stderr);
    expect(hint?.[1]).toBe('milestone execute --help');
    // The hint, typed as printed, shows the option that was meant.
    const help = await milestone(cwd, hint![1]!.split(' ').slice(1));
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--concurrency <n>');
    const nested = await milestone(cwd, ['state', 'export', 'x', '--formt', 'agent']);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain('(run `milestone state export --help` for usage)');
  });

  it("plan --help shows a plan file that validates, the same one the README's quick start writes", async () => {
    const cwd = tempDir();
    const help = await helpOf(cwd, ['plan']);
    const start = help.indexOf('A plan file to start from');
    expect(start).toBeGreaterThan(0);
    const body = help
      .slice(start)
      .split('\n')
      .slice(1)
      .filter((line) => line.startsWith('  '))
      .map((line) => line.slice(2))
      .join('\n');
    const quick = README.slice(README.indexOf('## Quick start'), README.indexOf('## A plan file'));
    const fenced = /```yaml\n([\s\S]*?)```/.exec(quick)![1]!;
    expect(`${body}\n`).toBe(fenced);
    writeFileSync(resolve(cwd, 'plan.yaml'), fenced);
    const valid = await milestone(cwd, ['validate', 'plan.yaml']);
    expect(valid.stderr).toBe('');
    expect(valid.stdout).toContain('valid milestone-yaml plan "Add a greeting"');
    expect(valid.code).toBe(0);
  });
});
