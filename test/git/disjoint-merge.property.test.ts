import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisjointMerge } from '../../src/git/disjoint-merge.js';
import { GIT_ENV, git, gitRepo } from '../helpers/git-repo.js';
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
function fastImport(repo: string, stream: string): Promise<Map<string, string>> {
  const marks = join(repo, '.git', 'marks');
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['fast-import', '--quiet', '--force', `--export-marks=${marks}`], {
      cwd: repo,
      env: { ...process.env, ...GIT_ENV },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(readMarks(marks)) : reject(new Error(`fast-import failed: ${stderr}\n${stream}`)),
    );
    child.stdin.end(stream);
  });
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

describe('in-memory merge of disjoint changes', () => {
  let repo: string;
  let merger: DisjointMerge;
  let cases = 0;
  const taken = { inMemory: 0, fallback: {} as Record<string, number> };
  beforeAll(async () => {
    repo = await gitRepo();
    merger = new DisjointMerge(repo);
  });
  afterAll(async () => {
    await merger.close();
  });

  it('gives exactly the tree `git merge-tree --write-tree` gives, or leaves the merge to it', async () => {
    // fast-check's time limit may end the assertion with one run still going: it is awaited
    // before the repository is removed.
    let running: Promise<unknown> = Promise.resolve();
    const check = async (s: Scenario): Promise<void> => {
      const { base, ours, theirs } = sides(s);
      fc.pre(valid(base) && valid(ours) && valid(theirs) && base.size > 0);
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
      if ('fallback' in mine) {
        taken.fallback[mine.fallback] = (taken.fallback[mine.fallback] ?? 0) + 1;
        return;
      }
      taken.inMemory += 1;
      const gits = await git(repo, 'merge-tree', '--write-tree', '--no-messages', o, t);
      expect(mine.tree).toBe(gits);
    };
    try {
      await fc.assert(
        fc.asyncProperty(scenario, (s) => {
          const run = check(s);
          running = run.catch(() => undefined);
          return run;
        }),
        propertySettings(120),
      );
    } finally {
      await running;
    }
    // Not vacuous: most cases merged in memory, and each kind of refusal happened.
    expect(taken.inMemory).toBeGreaterThan(cases / 3);
    expect(Object.keys(taken.fallback)).toEqual(
      expect.arrayContaining(['overlap', 'type-change', 'gitlink']),
    );
  });
});
