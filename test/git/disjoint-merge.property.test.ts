import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DisjointMerge, type FallbackReason } from '../../src/git/disjoint-merge.js';
import { GIT_ENV, git, gitRepo, runFile } from '../helpers/git-repo.js';
import { propertySettings } from '../helpers/property.js';

/** A file of a commit: content (a symlink's target) and mode; a gitlink holds a commit id. */
interface File {
  mode: '100644' | '100755' | '120000' | '160000';
  content: string;
}
type Files = Map<string, File>;

const DIRS = ['', 'a/', 'a/b/', 'a/b/c/', 'd/', 'e/f/'];
const NEW_DIRS = ['g/', 'g/h/', 'a/n/', 'a/b/c/m/'];
// `a.b` and `a0` sort on either side of the folder `a` (git compares it as `a/`); `ü` is two bytes.
const NAMES = ['x', 'y', 'z.txt', 'w', 'a.b', 'a0', 'ü'];
const CONTENTS = ['one\n', 'two\n', 'three\nlines\nhere\n', 'one\n\nmore\n'];
const GITLINK = '1234567890123456789012345678901234567890';

/** What one side does to one path of the base. */
const edit = fc.constantFrom(
  'keep',
  'keep',
  'keep',
  'modify',
  'delete',
  'chmod',
  'symlink',
  'rename',
  'to-dir',
);
const side = fc.constantFrom<'ours' | 'theirs'>('ours', 'theirs');

const scenario = fc.record({
  base: fc.array(
    fc.record({
      dir: fc.constantFrom(...DIRS),
      name: fc.constantFrom(...NAMES),
      content: fc.constantFrom(...CONTENTS),
      mode: fc.constantFrom<File['mode']>('100644', '100644', '100755', '120000'),
    }),
    { minLength: 1, maxLength: 14 },
  ),
  // Per base path (by index): which side edits it, and how.
  edits: fc.array(fc.record({ side, edit, content: fc.constantFrom(...CONTENTS) }), {
    minLength: 14,
    maxLength: 14,
  }),
  adds: fc.array(
    fc.record({
      side,
      dir: fc.constantFrom(...DIRS, ...NEW_DIRS),
      name: fc.constantFrom(...NAMES, 'new'),
      content: fc.constantFrom(...CONTENTS),
      mode: fc.constantFrom<File['mode']>('100644', '100755', '120000', '160000'),
    }),
    { maxLength: 4 },
  ),
  // Sometimes both sides touch the same path: the in-memory merge must then leave it to git.
  collide: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function apply(base: Files, changes: Array<(files: Files) => void>): Files {
  const files = new Map(base);
  for (const change of changes) change(files);
  return files;
}

/** A path that is a folder of another path, or under a file: git cannot hold both. */
function clashes(files: Files, path: string): boolean {
  for (const other of files.keys())
    if (other !== path && (other.startsWith(`${path}/`) || path.startsWith(`${other}/`))) return true;
  return false;
}

/** The base, ours and theirs files of a scenario. */
function sides(s: Scenario) {
  const base: Files = new Map();
  for (const f of s.base) base.set(`${f.dir}${f.name}`, { mode: f.mode, content: f.content });
  const changes = { ours: [] as Array<(files: Files) => void>, theirs: [] as Array<(files: Files) => void> };
  [...base.keys()].forEach((path, i) => {
    const e = s.edits[i]!;
    const mine = changes[e.side];
    const other = changes[e.side === 'ours' ? 'theirs' : 'ours'];
    const old = base.get(path)!;
    switch (e.edit) {
      case 'keep':
        return;
      case 'modify':
        mine.push((f) => f.set(path, { ...old, content: `${old.content}${e.content}` }));
        break;
      case 'delete':
        mine.push((f) => f.delete(path));
        break;
      case 'chmod':
        mine.push((f) => f.set(path, { ...old, mode: old.mode === '100755' ? '100644' : '100755' }));
        break;
      case 'symlink':
        mine.push((f) => f.set(path, { mode: '120000', content: `../target-${i}` }));
        break;
      case 'rename':
        mine.push((f) => {
          f.delete(path);
          f.set(`${path}-renamed`, old);
        });
        break;
      case 'to-dir':
        mine.push((f) => {
          f.delete(path);
          f.set(`${path}/inside`, old);
        });
        break;
    }
    if (s.collide && i === 0) other.push((f) => f.set(path, { ...old, content: `${old.content}other\n` }));
  });
  for (const add of s.adds) {
    const path = `${add.dir}${add.name}`;
    if (base.has(path)) continue;
    const file: File =
      add.mode === '160000' ? { mode: add.mode, content: GITLINK } : { mode: add.mode, content: add.content };
    changes[add.side].push((f) => f.set(path, file));
  }
  const ours = apply(base, changes.ours);
  const theirs = apply(base, changes.theirs);
  return { base, ours, theirs };
}

/** A fast-import stream committing `files` to `ref` (on `from`, when given) as a whole new tree. */
function commitStream(ref: string, mark: number, files: Files, from?: number): string {
  const lines = [`commit ${ref}`, `mark :${mark}`, 'committer T <t@example.invalid> 0 +0000', 'data 0'];
  if (from !== undefined) lines.push(`from :${from}`);
  lines.push('deleteall');
  for (const [path, file] of files) {
    if (file.mode === '160000') {
      lines.push(`M 160000 ${file.content} ${path}`);
      continue;
    }
    const data = Buffer.from(file.content);
    lines.push(`M ${file.mode} inline ${path}`, `data ${data.length}`, file.content);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the stream; returns the commit id of each mark. */
async function fastImport(repo: string, stream: string): Promise<Map<string, string>> {
  const marks = join(repo, '.git', 'marks');
  const run = await runFile(
    'git',
    ['fast-import', '--quiet', '--force', `--export-marks=${marks}`],
    repo,
    GIT_ENV,
    stream,
  );
  if (run.code !== 0) throw new Error(`fast-import failed: ${run.stderr}\n${stream}`);
  return readMarks(marks);
}

/** `:mark commit` lines. */
function readMarks(file: string): Map<string, string> {
  return new Map(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
}

/** Valid trees only: no path that is both a file and a folder. */
function valid(files: Files): boolean {
  return [...files.keys()].every((path) => !clashes(files, path));
}

/** The files of a case given by hand: `[path, content]`, or `[path, content, mode]`. */
function files(...entries: Array<[string, string] | [string, string, File['mode']]>): Files {
  return new Map(entries.map(([path, content, mode]) => [path, { mode: mode ?? '100644', content }]));
}

/**
 * One case of each outcome, by hand: the refusals happen whatever the generator draws in the
 * time the machine gives the property (on a loaded machine it drew ~45 of its 120 cases, and a
 * gitlink once, so "every kind happened" once depended on the load).
 */
const CASES: Array<{
  name: string;
  expect: 'merged' | FallbackReason;
  base: Files;
  ours: Files;
  theirs: Files;
}> = [
  {
    name: 'disjoint edits in a shared folder, a rename, a delete and an added folder',
    expect: 'merged',
    base: files(['a/x', 'one\n'], ['a/y', 'two\n'], ['d/w', 'three\n'], ['z.txt', 'z\n']),
    ours: files(['a/x', 'one\nmore\n'], ['a/y', 'two\n'], ['d/w-renamed', 'three\n'], ['z.txt', 'z\n']),
    theirs: files(['a/x', 'one\n'], ['a/y', 'two\n', '100755'], ['d/w', 'three\n'], ['g/h/new', 'new\n']),
  },
  {
    name: 'both sides change one file',
    expect: 'overlap',
    base: files(['a/x', 'one\n'], ['y', 'two\n']),
    ours: files(['a/x', 'one\nours\n'], ['y', 'two\n']),
    theirs: files(['a/x', 'one\ntheirs\n'], ['y', 'two\n']),
  },
  {
    // In a folder ours changed too (a folder only theirs changed is taken whole, as git does).
    name: 'a file becomes a folder beside a change of ours',
    expect: 'type-change',
    base: files(['a/x', 'one\n'], ['a/y', 'two\n']),
    ours: files(['a/x', 'one\n'], ['a/y', 'two\nours\n']),
    theirs: files(['a/x/inside', 'one\n'], ['a/y', 'two\n']),
  },
  {
    name: 'a submodule is added',
    expect: 'gitlink',
    base: files(['a/x', 'one\n'], ['y', 'two\n']),
    ours: files(['a/x', 'one\nours\n'], ['y', 'two\n']),
    theirs: files(['a/x', 'one\n'], ['y', 'two\n'], ['sub', GITLINK, '160000']),
  },
  {
    name: 'each side deletes the other file',
    expect: 'empty',
    base: files(['x', 'one\n'], ['y', 'two\n']),
    ours: files(['y', 'two\n']),
    theirs: files(['x', 'one\n']),
  },
  {
    name: 'a .gitattributes with a merge driver arrives',
    expect: 'attributes',
    base: files(['x', 'one\n'], ['y', 'two\n']),
    ours: files(['x', 'one\nours\n'], ['y', 'two\n']),
    theirs: files(['x', 'one\n'], ['y', 'two\n'], ['.gitattributes', '*.txt merge=union\n']),
  },
];

describe('in-memory merge of disjoint changes', () => {
  let repo: string;
  let merger: DisjointMerge;
  let cases = 0;
  // A repository per test: test/helpers removes temporary folders after each test.
  beforeEach(async () => {
    repo = await gitRepo();
    merger = new DisjointMerge(repo);
  });
  afterEach(async () => {
    await merger.close();
  });

  /** Commits the three sides, merges them in memory and checks a merged tree against git's. */
  async function mergeCase(base: Files, ours: Files, theirs: Files): Promise<'merged' | FallbackReason> {
    cases += 1;
    const prefix = `refs/heads/case${cases}`;
    const marks = await fastImport(
      repo,
      commitStream(`${prefix}/base`, 1, base) +
        commitStream(`${prefix}/ours`, 2, ours, 1) +
        commitStream(`${prefix}/theirs`, 3, theirs, 1),
    );
    const [b, o, t] = [marks.get(':1')!, marks.get(':2')!, marks.get(':3')!];
    const trees = await Promise.all([b, o, t].map((c) => merger.treeOf(c)));
    const mine = await merger.merge(trees[0]!, trees[1]!, trees[2]!);
    if ('fallback' in mine) return mine.fallback;
    const gits = await git(repo, 'merge-tree', '--write-tree', '--no-messages', o, t);
    expect(mine.tree).toBe(gits);
    return 'merged';
  }

  for (const c of CASES) {
    it(`${c.name}: ${c.expect === 'merged' ? "merged in memory, git's tree" : `left to git (${c.expect})`}`, async () => {
      expect([c.base, c.ours, c.theirs].every(valid)).toBe(true);
      expect(await mergeCase(c.base, c.ours, c.theirs)).toBe(c.expect);
    });
  }

  it('gives exactly the tree `git merge-tree --write-tree` gives, or leaves the merge to it', async () => {
    const taken = { inMemory: 0, fallback: {} as Record<string, number> };
    let ran = 0;
    const check = async (s: Scenario): Promise<void> => {
      const { base, ours, theirs } = sides(s);
      fc.pre(valid(base) && valid(ours) && valid(theirs) && base.size > 0);
      ran += 1;
      const outcome = await mergeCase(base, ours, theirs);
      if (outcome === 'merged') taken.inMemory += 1;
      else taken.fallback[outcome] = (taken.fallback[outcome] ?? 0) + 1;
    };
    // Every one of the runs, however long the machine takes (no time limit): the same cases each
    // time for a seed, so what they cover below is a fact of the seed, not of the load.
    const { interruptAfterTimeLimit: _, ...settings } = propertySettings(120);
    await fc.assert(fc.asyncProperty(scenario, check), settings);
    // Not vacuous: most cases merged in memory, and the drawn cases reach the refusals too.
    expect(ran).toBe(settings.numRuns);
    expect(taken.inMemory, JSON.stringify(taken)).toBeGreaterThan(ran / 3);
    expect(Object.keys(taken.fallback), JSON.stringify(taken)).toEqual(
      expect.arrayContaining(['overlap', 'type-change', 'gitlink']),
    );
  });
});
