/**
 * Whether a source file has a test: some test file of the repository whose name holds the
 * source's base name. A test file is `*.test.*`, `*.spec.*`, `*_test.*`, `*-test.*`, `test_*`,
 * `*Test.*`/`*Tests.*` (Java, C#), or any file under a `test`, `tests`, `__tests__` or `spec`
 * folder. "Holds" means equal after removing those markers and the extensions, so
 * `test/core/graph.test.ts`, `src/core/__tests__/graph.ts` and `tests/test_graph.py` all cover
 * `src/core/graph.ts`. Location is not compared: test trees rarely mirror sources exactly.
 */

/** Extensions of files that hold code worth testing. */
export const SOURCE_EXTENSIONS: ReadonlySet<string> = new Set(
  'ts tsx mts cts js jsx mjs cjs py go rs java kt kts scala rb php cs swift c cc cpp h hpp m ex exs'.split(
    ' ',
  ),
);

/** Entry points and declarations: usually covered through other files, not tested by name. */
const UNTESTABLE_STEMS = new Set(['index', 'main', 'mod', 'lib', '__init__', 'setup', 'conftest']);

const TEST_FOLDERS = new Set(['test', 'tests', '__tests__', 'spec', 'specs']);

/** The base names that have a test, from all the repository's files. */
export function testedNames(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const name = testedNameOf(file);
    if (name !== null) names.add(name);
  }
  return names;
}

/** A source file (by extension), not itself a test, not a declaration or an entry point. */
export function needsTest(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || !SOURCE_EXTENSIONS.has(base.slice(dot + 1))) return false;
  if (base.endsWith('.d.ts') || testedNameOf(path) !== null) return false;
  return !UNTESTABLE_STEMS.has(stemOf(base));
}

/** Whether `path` (a source file) has a test, given {@link testedNames} of the repository. */
export function hasTestNearby(path: string, tested: ReadonlySet<string>): boolean {
  return tested.has(stemOf(path.slice(path.lastIndexOf('/') + 1)));
}

/** The base name a test file covers, or `null` when `path` is not a test file. */
function testedNameOf(path: string): string | null {
  const segments = path.split('/');
  const base = segments[segments.length - 1]!;
  const inTestFolder = segments.slice(0, -1).some((segment) => TEST_FOLDERS.has(segment.toLowerCase()));
  const parts = base.split('.');
  // `graph.test.ts`, `graph.spec.js`, `graph.slow.test.ts`: a marker among the extensions.
  if (parts.slice(1, -1).some((part) => part === 'test' || part === 'spec')) return stemOf(base);
  const stem = parts[0]!;
  const marked =
    /^(.+?)[_-](?:test|spec)$/i.exec(stem)?.[1] ??
    /^test_(.+)$/i.exec(stem)?.[1] ??
    /^([A-Za-z0-9]+?)Tests?$/.exec(stem)?.[1];
  if (marked !== undefined) return marked.toLowerCase();
  return inTestFolder && parts.length > 1 ? stem.toLowerCase() : null;
}

/** `Graph.slow.test.ts` -> `graph`: the part before the first dot, lowercased. */
function stemOf(base: string): string {
  return base.split('.')[0]!.toLowerCase();
}
