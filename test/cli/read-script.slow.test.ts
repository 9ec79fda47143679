import {
  chmodSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/cli/program.js';
import { recordingIo } from '../../src/io/io.js';
import { type CliResult, git, runFile, tempDir } from '../helpers/git-repo.js';
import { type MilestoneRepo, milestoneRepo } from '../helpers/milestone-repo.js';

const DIST = join(import.meta.dirname, '..', '..', 'dist', 'cli');
const BIN = join(DIST, 'bin.cjs');
const MAIN = join(DIST, 'main.js');

/** dist/cli/code-cache.cjs, as the read script's runner loads it. */
const codeCache = createRequire(import.meta.url)(join(DIST, 'code-cache.cjs')) as {
  codeCacheDir(env: NodeJS.ProcessEnv): string | null;
  compileCached(
    source: Buffer,
    filename: string,
    dir: string | null,
    name: string,
  ): { script: { runInThisContext(): unknown }; cacheUsed: boolean; save(): void };
  installationName(prefix: string, file: string): string;
};

/** What the commander program prints for `argv` in `cwd` (the reference), as processIo writes it. */
async function viaProgram(argv: string[], cwd: string): Promise<CliResult> {
  const io = recordingIo();
  const code = await runProgram([...argv], io, cwd);
  const text = (chunks: string[]) => chunks.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('');
  return { code, stdout: text(io.stdout), stderr: text(io.stderr) };
}

async function plannedRepo(): Promise<MilestoneRepo> {
  const repo = await milestoneRepo();
  const planned = await repo.plan({
    version: 1,
    milestone: 'Script',
    id: 'script',
    tasks: [
      { id: 'a', title: 'A', run: 'echo a > a.txt', files: ['a.txt'] },
      { id: 'b', title: 'B', needs: ['a'], run: 'echo b > b.txt', files: ['b.txt'] },
    ],
  });
  expect(planned.code, planned.stderr).toBe(0);
  return repo;
}

/** The one cache file of the read script in `cache`'s milestone folder, if any. */
function cacheFile(cache: string): string | undefined {
  const dir = join(cache, 'milestone');
  const found = readdirSync(dir).filter((name) => /^read-script-.*\.bin$/.test(name));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0] && join(dir, found[0]);
}

describe('status and list through the read script (dist/cli/read-script.cjs, V8 code cache)', () => {
  it('prints what the program prints, and a cache that is corrupt, truncated or foreign is ignored, then replaced', async () => {
    const repo = await plannedRepo();
    const cache = tempDir('milestone-cache-');
    const env = { NO_COLOR: '1', ...repo.env, XDG_CACHE_HOME: cache };
    const saved = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = repo.env.XDG_STATE_HOME;
    try {
      const lines = [['status', '--json'], ['status'], ['list'], ['list', '--json']];
      const expected = await Promise.all(lines.map((argv) => viaProgram(argv, repo.root)));
      const runAll = async (entry: string) => {
        for (const [index, argv] of lines.entries()) {
          const result = await runFile(process.execPath, [entry, ...argv], repo.root, env);
          expect(result, `${entry} ${argv.join(' ')}`).toEqual(expected[index]);
        }
      };
      // The first read writes the cache; the next ones read it (bin.cjs and main.js alike).
      await runAll(BIN);
      const file = cacheFile(cache)!;
      expect(file).toBeDefined();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(cache, 'milestone')).mode & 0o777).toBe(0o700);
      const good = readFileSync(file);
      await runAll(MAIN);
      expect(readFileSync(file).equals(good), 'a valid cache is not rewritten').toBe(true);

      const damaged: Array<[string, Buffer]> = [
        [
          'a flipped byte in the code',
          Buffer.from(good.map((byte, i) => (i === good.length - 100 ? byte ^ 0xff : byte))),
        ],
        ['a truncated file', good.subarray(0, good.length - 1000)],
        ['an empty file', Buffer.alloc(0)],
        ['another build of the script (same length, other source)', otherSource(good)],
        ['not a cache at all', Buffer.from('#!/bin/sh\necho hello\n')],
      ];
      for (const [what, bytes] of damaged) {
        writeFileSync(file, bytes);
        await runAll(BIN);
        expect(readFileSync(file).length, what).toBeGreaterThan(0);
        expect(readFileSync(file).equals(bytes), `${what}: replaced`).toBe(false);
      }
    } finally {
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    }
  });

  it('keeps no cache in a folder others can write or that is a symlink, and prints the same', async () => {
    const repo = await plannedRepo();
    const expected = await viaProgramWithState(repo, ['status', '--json']);
    const open = tempDir('milestone-cache-');
    mkdirSync(join(open, 'milestone'));
    chmodSync(join(open, 'milestone'), 0o777);
    const elsewhere = tempDir('milestone-cache-');
    const linked = tempDir('milestone-cache-');
    symlinkSync(elsewhere, join(linked, 'milestone'));
    for (const cache of [open, linked]) {
      const result = await runFile(process.execPath, [BIN, 'status', '--json'], repo.root, {
        NO_COLOR: '1',
        ...repo.env,
        XDG_CACHE_HOME: cache,
      });
      expect(result).toEqual(expected);
      expect(codeCache.codeCacheDir({ XDG_CACHE_HOME: cache })).toBeNull();
    }
    expect(readdirSync(join(open, 'milestone'))).toEqual([]);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('hands a read it cannot finish to the full CLI: a linked worktree, an unknown id', async () => {
    const repo = await plannedRepo();
    const linked = join(tempDir(), 'linked');
    await git(repo.root, 'worktree', 'add', '-q', linked);
    const env = { NO_COLOR: '1', ...repo.env, XDG_CACHE_HOME: tempDir('milestone-cache-') };
    for (const [cwd, argv] of [
      [linked, ['status', '--json']],
      [repo.root, ['status', 'nope']],
      [repo.root, ['status', 'Bad_Id!']],
    ] as const) {
      const expected = await viaProgramWithState(repo, [...argv], cwd);
      const result = await runFile(process.execPath, [BIN, ...argv], cwd, env);
      expect(result, `${cwd} ${argv.join(' ')}`).toEqual(expected);
    }
  });
});

describe('the read script and the installed better-sqlite3', () => {
  it('hands the read to the full CLI where the installed package is another release than the one it holds', async () => {
    const repo = await plannedRepo();
    const expected = await viaProgramWithState(repo, ['status', '--json']);
    // An install of this build whose better-sqlite3 says another version (same files otherwise).
    const install = tempDir('milestone-install-');
    const root = join(DIST, '..', '..');
    cpSync(join(root, 'dist'), join(install, 'dist'), { recursive: true, preserveTimestamps: true });
    cpSync(join(root, 'package.json'), join(install, 'package.json'));
    mkdirSync(join(install, 'node_modules'));
    for (const name of readdirSync(join(root, 'node_modules')))
      if (name !== 'better-sqlite3')
        symlinkSync(join(root, 'node_modules', name), join(install, 'node_modules', name));
    const sqlite = join(install, 'node_modules', 'better-sqlite3');
    for (const part of ['lib', 'build', 'package.json'])
      cpSync(join(root, 'node_modules', 'better-sqlite3', part), join(sqlite, part), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(
      join(sqlite, 'package.json'),
      JSON.stringify({ ...manifest, version: `${manifest.version}-other` }),
    );

    const cache = tempDir('milestone-cache-');
    const env = { NO_COLOR: '1', ...repo.env, XDG_CACHE_HOME: cache };
    const result = await runFile(
      process.execPath,
      [join(install, 'dist', 'cli', 'bin.cjs'), 'status', '--json'],
      repo.root,
      env,
    );
    expect(result).toEqual(expected);
    // The script handed it back (it writes its cache only after a read it printed).
    expect(readdirSync(join(cache, 'milestone'))).toEqual([]);
    // The same install with the package as the script holds it takes the script.
    writeFileSync(join(sqlite, 'package.json'), JSON.stringify(manifest));
    expect(
      await runFile(
        process.execPath,
        [join(install, 'dist', 'cli', 'bin.cjs'), 'status', '--json'],
        repo.root,
        env,
      ),
    ).toEqual(expected);
    expect(cacheFile(cache)).toBeDefined();
  });
});

describe('the code cache itself', () => {
  it('is used only for exactly the source it was made from: V8 itself checks only the length', () => {
    const dir = codeCache.codeCacheDir({ XDG_CACHE_HOME: tempDir('milestone-cache-') });
    expect(dir).not.toBeNull();
    const one = Buffer.from('(function () { return "one"; })');
    const two = Buffer.from('(function () { return "two"; })');
    const first = codeCache.compileCached(one, 'one.js', dir, 'unit');
    expect(first.cacheUsed).toBe(false);
    expect((first.script.runInThisContext() as () => string)()).toBe('one');
    first.save();
    const again = codeCache.compileCached(one, 'one.js', dir, 'unit');
    expect(again.cacheUsed).toBe(true);
    expect((again.script.runInThisContext() as () => string)()).toBe('one');
    // What the check is for: V8 takes another source's cache of the same length and runs that
    // code, and takes a damaged payload without a word.
    const made = new Script(one.toString());
    made.runInThisContext();
    const foreign = new Script(two.toString(), { cachedData: made.createCachedData() });
    expect(foreign.cachedDataRejected).toBe(false);
    expect((foreign.runInThisContext() as () => string)()).toBe('one');
    // Here, same length, other bytes: not taken, and it runs its own code.
    const other = codeCache.compileCached(two, 'one.js', dir, 'unit');
    expect(other.cacheUsed).toBe(false);
    expect((other.script.runInThisContext() as () => string)()).toBe('two');
    // No folder: no cache, the script still runs.
    const none = codeCache.compileCached(one, 'one.js', null, 'unit');
    expect(none.cacheUsed).toBe(false);
    none.save();
    expect((none.script.runInThisContext() as () => string)()).toBe('one');
  });
});

describe('the cache of two installations', () => {
  it('keeps a file each: two builds run in turn both find their code cached', () => {
    const dir = codeCache.codeCacheDir({ XDG_CACHE_HOME: tempDir('milestone-cache-') });
    const builds = [
      { file: '/opt/a/dist/cli/read-script.cjs', source: Buffer.from('(function () { return "a"; })') },
      { file: '/opt/b/dist/cli/read-script.cjs', source: Buffer.from('(function () { return "bb"; })') },
    ];
    const names = builds.map(({ file }) => codeCache.installationName('read-script', file));
    expect(names[0]).toMatch(/^read-script-[0-9a-f]{8}$/);
    expect(names[1]).not.toBe(names[0]);
    expect(codeCache.installationName('read-script', builds[0]!.file)).toBe(names[0]);
    const used = (round: number) =>
      builds.map(({ file, source }, i) => {
        const compiled = codeCache.compileCached(source, file, dir, names[i]!);
        compiled.script.runInThisContext();
        compiled.save();
        return `${round}:${compiled.cacheUsed}`;
      });
    // One name for both (as before): each run replaced the other's cache and none was ever used.
    expect([...used(1), ...used(2), ...used(3)]).toEqual([
      '1:false',
      '1:false',
      '2:true',
      '2:true',
      '3:true',
      '3:true',
    ]);
  });
});

/** {@link viaProgram} with the repository's state folder (where its worktrees are computed). */
async function viaProgramWithState(repo: MilestoneRepo, argv: string[], cwd = repo.root): Promise<CliResult> {
  const saved = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = repo.env.XDG_STATE_HOME;
  try {
    return await viaProgram(argv, cwd);
  } finally {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
  }
}

/** A cache file of the same layout and lengths whose source is another build's (one byte differs). */
function otherSource(good: Buffer): Buffer {
  const copy = Buffer.from(good);
  // The header is 16 bytes; the source starts after it: change a byte inside the source.
  const at = 16 + 200;
  copy[at] = copy[at] === 0x20 ? 0x09 : 0x20;
  return copy;
}
