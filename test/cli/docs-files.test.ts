import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The docs name source files so a reader can go to them: every name must still exist where the
// docs put it (modules get split and moved; docs/architecture.md went stale that way before).

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The README and docs/*.md, but not docs/benchmarks.md: a log of past measurements, which names
 * files as they were when measured.
 */
function docs(): string[] {
  return [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md') && name !== 'benchmarks.md')
      .map((name) => `docs/${name}`),
  ];
}

/** Every file below `dir` (relative to the root), recursively. */
function filesBelow(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(ROOT.length + 1));
}

describe('source files the docs name', () => {
  it('every `src/...` or `test/...` path in the README and docs/*.md exists', () => {
    const missing: string[] = [];
    for (const doc of docs()) {
      // Fenced blocks are examples of the user's files (a Kiro tasks.md naming `src/types.ts`).
      const text = readFileSync(join(ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const match of text.matchAll(
        /`((?:src|test|scripts|bench)\/[A-Za-z0-9_./-]+\.(?:ts|cts|mjs))`/g,
      )) {
        if (!existsSync(join(ROOT, match[1]!))) missing.push(`${doc}: ${match[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("each row of architecture.md's layer table names files of its own folder", () => {
    const text = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const section = text.slice(
      text.indexOf('## Layers and where to change what'),
      text.indexOf('## How data flows'),
    );
    const rows = section.split('\n').filter((line) => /^\| `src\/[a-z-]+\/`/.test(line));
    expect(rows.length).toBeGreaterThan(20);
    const every = filesBelow('src');
    const wrong: string[] = [];
    for (const row of rows) {
      const folder = /^\| `(src\/[a-z-]+\/)`/.exec(row)![1]!;
      for (const match of row.matchAll(/`([a-z0-9-]+\.c?ts)`/g)) {
        const name = match[1]!;
        const places = every.filter((path) => path.endsWith(`/${name}`));
        // A bare name may point into another folder when the row says so (`recorded-attempt.ts`
        // of the engine in the distributed row): it must exist somewhere below src/.
        if (places.length === 0) wrong.push(`${folder}: ${name} does not exist`);
      }
      for (const match of row.matchAll(/`((?:[a-z-]+\/)+[a-z0-9-]+\.c?ts)`/g)) {
        const path = match[1]!;
        const candidates = [join(folder, path), join('src', path), path];
        if (!candidates.some((candidate) => existsSync(join(ROOT, candidate))))
          wrong.push(`${folder}: ${path} does not exist`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every module of src/engine/, src/run/, src/cli/ and src/report/ is named in its row of the layer table', () => {
    const text = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    for (const folder of ['src/engine/', 'src/run/', 'src/cli/', 'src/report/']) {
      const row = text.split('\n').find((line) => line.startsWith(`| \`${folder}\``))!;
      const unnamed = filesBelow(folder)
        .filter((path) => /\.c?ts$/.test(path))
        .map((path) => path.slice(folder.length))
        // The row names the command modules together: `commands/*.ts`.
        .filter((path) => !path.startsWith('commands/'))
        .filter((path) => !row.includes(path.split('/').at(-1)!));
      expect(unnamed, folder).toEqual([]);
    }
  });
});
