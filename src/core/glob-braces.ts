/**
 * Brace expansion of a plan's `files` globs, for the glob overlap check (core/glob-overlap.ts):
 * `src/{a,b}/x.ts` is two alternatives, each with its own literal prefix.
 */

/** More alternatives than this: the glob is treated as one that may match anything. */
const MAX_ALTERNATIVES = 256;

/**
 * Expands `{a,b}` alternatives (nested too) so that no brace spans a `/`. Ranges like `{1..3}`
 * stay as they are (they never contain `/`). `null` when there would be too many alternatives.
 */
export function expandBraces(text: string): string[] | null {
  if (!text.includes('{')) return [text];
  const done: string[] = [];
  const todo = [text];
  while (todo.length > 0) {
    const current = todo.pop()!;
    const brace = findCommaBrace(current);
    if (!brace) {
      done.push(current);
    } else {
      const head = current.slice(0, brace.open);
      const tail = current.slice(brace.close + 1);
      for (const option of brace.options) todo.push(head + option + tail);
    }
    if (done.length + todo.length > MAX_ALTERNATIVES) return null;
  }
  return done.reverse();
}

/** The first `{...}` holding a top-level comma, with its options; escaped characters skipped. */
function findCommaBrace(text: string): { open: number; close: number; options: string[] } | null {
  const opens: Array<{ at: number; commas: number[] }> = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') {
      i++;
    } else if (char === '{') {
      opens.push({ at: i, commas: [] });
    } else if (char === ',' && opens.length > 0) {
      opens.at(-1)!.commas.push(i);
    } else if (char === '}' && opens.length > 0) {
      const open = opens.pop()!;
      if (open.commas.length > 0 && opens.length === 0) {
        const cuts = [open.at, ...open.commas, i];
        const options = cuts.slice(1).map((cut, k) => text.slice(cuts[k]! + 1, cut));
        return { open: open.at, close: i, options };
      }
    }
  }
  return null;
}
