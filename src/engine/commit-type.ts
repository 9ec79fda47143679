import picomatch from 'picomatch';

const DOCS = picomatch(['**/*.{md,mdx,rst,adoc,txt}', 'docs/**', 'doc/**', '.milestones/**'], { dot: true });
const TESTS = picomatch(
  ['**/*.{test,spec}.*', '**/*_test.*', '**/test_*', 'test/**', 'tests/**', '**/__tests__/**'],
  { dot: true },
);

/**
 * The conventional-commit type of a task commit that names none, from the files it changes:
 * only documentation → `docs`, only tests → `test`, nothing → `chore`, anything else → `feat`.
 * (The phase no longer decides: a design task that changes code is not `docs`.)
 */
export function commitTypeFor(files: readonly string[]): string {
  if (files.length === 0) return 'chore';
  if (files.every((f) => DOCS(f))) return 'docs';
  if (files.every((f) => TESTS(f))) return 'test';
  return 'feat';
}
