import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Every module (and package) a source file loads when it is imported: its static, non-type
 * imports, followed through the repository. Dynamic `import()` is not followed: that is what
 * keeps a command's heavy parts out until its action runs.
 */
export function staticImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(/^(import|export)\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'/gms)) {
      const target = match[2]!;
      if (target.startsWith('.'))
        visit(relative(ROOT, resolve(dirname(join(ROOT, file)), target.replace(/\.js$/, '.ts'))));
      else if (!target.startsWith('node:')) packages.add(target);
    }
  };
  visit(entry);
  return { files, packages };
}
