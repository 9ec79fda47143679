import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A git repository at `repo` with `files` small source files in folders of 50, one commit. */
export function benchRepository(repo: string, files: number): string {
  for (let i = 0; i < files; i++) {
    const dir = join(repo, 'src', `module-${Math.floor(i / 50)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file-${i}.ts`), `export const value${i} = ${i};\n`);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'bench');
  git('config', 'user.email', 'bench@milestone.invalid');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench repository');
  return repo;
}
