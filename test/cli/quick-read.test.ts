import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQuickRead } from '../../src/cli/quick-read.js';
import { locateQuickly } from '../../src/workspace/locate-quickly.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';

const DIST = resolve(import.meta.dirname, '../../dist/cli');

describe('the read command lines answered without commander', () => {
  it('takes status, show and list with --json and an id, in any order', () => {
    expect(parseQuickRead(['status'])).toEqual({ command: 'status', id: undefined, json: false });
    expect(parseQuickRead(['status', '--json', 'm1'])).toEqual({ command: 'status', id: 'm1', json: true });
    expect(parseQuickRead(['show', 'm1', '--json'])).toEqual({ command: 'show', id: 'm1', json: true });
    expect(parseQuickRead(['list', '--json'])).toEqual({ command: 'list', id: undefined, json: true });
    // An id the program would refuse still goes to the command, which refuses it the same way.
    expect(parseQuickRead(['status', 'BAD/ID'])).toEqual({ command: 'status', id: 'BAD/ID', json: false });
  });

  it('leaves every other spelling to commander (its parsing, its messages)', () => {
    for (const argv of [
      [],
      ['plan', '--from', 'plan.yaml'],
      ['status', '--watch'],
      ['status', '--help'],
      ['status', '-h'],
      ['status', '--json=1'],
      ['status', 'a', 'b'],
      ['status', '--', 'a'],
      ['status', ''],
      ['show', '--jsn'],
      ['list', 'extra'],
      ['list', '-V'],
      ['help', 'status'],
    ]) {
      expect(parseQuickRead(argv), argv.join(' ')).toBeNull();
    }
  });
});

describe('locating a plain repository without git', () => {
  it('finds the top level git prints, from the top and from a folder below it', async () => {
    const root = await gitRepo({ files: { 'src/deep/a.txt': 'a' } });
    const top = await git(root, 'rev-parse', '--show-toplevel');
    expect(locateQuickly(root, {})).toBe(top);
    expect(locateQuickly(join(root, 'src', 'deep'), {})).toBe(top);
    expect(top).toBe(realpathSync(root));
  });

  it('leaves linked worktrees, .git files, git dirs, discovery variables and bare configs to git', async () => {
    const root = await gitRepo({ files: { 'a.txt': 'a' } });
    const linked = join(tempDir(), 'linked');
    await git(root, 'worktree', 'add', '-q', linked);
    expect(locateQuickly(linked, {})).toBeNull();
    expect(locateQuickly(join(root, '.git'), {})).toBeNull();
    expect(locateQuickly(root, { GIT_DIR: join(root, '.git') })).toBeNull();
    expect(locateQuickly(root, { GIT_CEILING_DIRECTORIES: root })).toBeNull();
    await git(root, 'config', 'core.worktree', tempDir());
    expect(locateQuickly(root, {})).toBeNull();
    await git(root, 'config', '--unset', 'core.worktree');
    expect(locateQuickly(root, {})).toBe(realpathSync(root));
    await git(root, 'config', 'core.bare', 'true');
    expect(locateQuickly(root, {})).toBeNull();
  });

  it('finds nothing outside a repository, nor where a .git entry is not a repository', () => {
    const outside = tempDir();
    expect(locateQuickly(outside, {})).toBeNull();
    const fake = tempDir();
    mkdirSync(join(fake, '.git'));
    writeFileSync(join(fake, '.git', 'config'), '');
    // No HEAD: git would not call it a repository either.
    expect(locateQuickly(fake, {})).toBeNull();
  });
});

describe('the built read commands', () => {
  it.each(['status', 'list', 'show'])(
    'dist/cli/read-%s.js is one bundled file: it loads only packages, node modules and the shared errors and redaction',
    (command) => {
      const source = readFileSync(join(DIST, `read-${command}.js`), 'utf8');
      const loaded = [...source.matchAll(/^import\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
      const local = [...new Set(loaded.filter((path) => path.startsWith('.')))].sort();
      expect(local).toEqual(['../errors.js', '../process/redact-secrets.js']);
      // Lazy parts stay lazy and point at the same dist/ files the rest of the CLI loads.
      for (const [, path] of source.matchAll(/import\("([^"]+)"\)/g))
        expect(existsSync(join(DIST, path!)), path).toBe(true);
    },
  );

  it('dist/cli/read-script.cjs holds all of status and list, better-sqlite3 included: it requires only node modules, and imports nothing', () => {
    const source = readFileSync(join(DIST, 'read-script.cjs'), 'utf8');
    const required = [...source.matchAll(/\brequire\d*\("([^"]+)"\)/g)].map((m) => m[1]!);
    // Node's own modules only: better-sqlite3's JavaScript is inside (its addon is loaded by path,
    // and `bindings` is its fallback lookup, never taken: sqlite-script.ts finds the addon first).
    const packages = required.filter((path) => !builtinModules.includes(path.replace(/^node:/, '')));
    expect(packages).toEqual(['bindings']);
    expect(source).toContain('the read script holds');
    // Every import() of the bundled code became a rejection: the script hands such a read back.
    expect(source).not.toMatch(/\bimport\(/);
    expect(source).toContain('is not in the read script');
  });
});
