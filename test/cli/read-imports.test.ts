import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Every module (and package) a source file loads when it is imported: its static, non-type
 * imports, followed through the repository. Dynamic `import()` is not followed: that is what
 * keeps a command's heavy parts out until its action runs.
 */
function staticImports(entry: string): { files: Set<string>; packages: Set<string>; builtins: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const builtins = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(/^(import|export)\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'/gms)) {
      const target = match[2]!;
      if (target.startsWith('.'))
        visit(relative(ROOT, resolve(dirname(join(ROOT, file)), target.replace(/\.js$/, '.ts'))));
      else if (target.startsWith('node:')) builtins.add(target);
      else packages.add(target);
    }
  };
  visit(entry);
  return { files, packages, builtins };
}

const HEAVY = /^src\/(engine|agents|planner|planning|notify|ui|mcp)\//;

describe('a read never loads the engine, agents or planners', () => {
  it.each([
    'src/cli/program.ts',
    'src/cli/quick-read.ts',
    'src/cli/commands/status.ts',
    'src/cli/commands/list.ts',
  ])('%s loads neither the engine, agents, planners nor the YAML, schema and glob libraries', (entry) => {
    const { files, packages } = staticImports(entry);
    expect([...files].filter((file) => HEAVY.test(file) && file !== 'src/engine/naming.ts')).toEqual([]);
    expect([...packages].filter((name) => ['zod', 'yaml', 'log-update', 'picomatch'].includes(name))).toEqual(
      [],
    );
  });

  it.each(['src/cli/commands/status.ts', 'src/cli/commands/list.ts', 'src/cli/commands/show.ts'])(
    '%s loads neither commander nor git: the quick path skips the program, a plain repository is found without git',
    (entry) => {
      const { files, packages } = staticImports(entry);
      expect(
        [...files].filter((file) => file.startsWith('src/git/') && file !== 'src/git/ref-names.ts'),
      ).toEqual([]);
      expect(
        [...files].filter(
          (file) => file.startsWith('src/process/') && file !== 'src/process/redact-secrets.ts',
        ),
      ).toEqual([]);
      expect([...packages].filter((name) => name.includes('commander'))).toEqual([]);
    },
  );

  it.each(['src/cli/commands/status.ts', 'src/cli/commands/list.ts'])(
    '%s loads neither node:crypto nor node:child_process (compiling them is a tenth of a read)',
    (entry) => {
      const { builtins } = staticImports(entry);
      expect([...builtins].filter((name) => ['node:crypto', 'node:child_process'].includes(name))).toEqual(
        [],
      );
    },
  );

  it('show loads the plan analysis it prints, not the engine or the agents', () => {
    const { files } = staticImports('src/cli/commands/show.ts');
    expect(
      [...files].filter(
        (file) => /^src\/(engine|agents|planner)\//.test(file) && file !== 'src/engine/naming.ts',
      ),
    ).toEqual([]);
  });
});
