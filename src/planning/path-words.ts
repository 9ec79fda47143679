/**
 * Matching the words of a title or prompt to repository paths: "Refactor the session store"
 * finds `src/auth/session-store.ts`. Both sides are cut into lowercase alphanumeric words
 * (camelCase split too), plurals folded; only words of {@link MIN_WORD_LENGTH} or more
 * characters that are not {@link STOPWORDS} take part.
 */

/** Shorter words (`add`, `fix`, `api`) match too many paths to say anything. */
export const MIN_WORD_LENGTH = 4;

/** Common English words and words every plan uses, which name no part of a repository. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'about above after again against also because been before being below between both could ' +
    'does doing down during each every from further have having here into itself just more most ' +
    'must need needs only other over same should some such than that their them then there these ' +
    'they this those through under until very were what when where which while will with within ' +
    'without would your make sure ensure using used uses like want able code file files task tasks ' +
    'milestone phase work done should thing things change changes part parts current existing ' +
    'implement implementation update updates refactor improve remove delete create adding added ' +
    'write test tests'
  ).split(' '),
);

/** The words of free text worth matching against paths, each once, in order of appearance. */
export function textWords(text: string): string[] {
  const words: string[] = [];
  const seen = new Set<string>();
  for (const word of splitWords(text)) {
    if (word.length < MIN_WORD_LENGTH || STOPWORDS.has(word) || /^\d+$/.test(word)) continue;
    const folded = foldPlural(word);
    if (seen.has(folded)) continue;
    seen.add(folded);
    words.push(folded);
  }
  return words;
}

/**
 * For every word of any path segment (folders and basename, extensions dropped), the indices of
 * the files whose path holds it, ascending.
 */
export function indexPathWords(files: readonly string[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  files.forEach((file, i) => {
    for (const word of new Set(splitWords(stripExtensions(file)))) {
      if (word.length < MIN_WORD_LENGTH) continue;
      const folded = foldPlural(word);
      const list = index.get(folded);
      if (!list) index.set(folded, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  });
  return index;
}

/** `src/auth/session.test.ts` -> `src/auth/session`: extensions are no words of the name. */
function stripExtensions(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.indexOf('.', slash + 2);
  return dot === -1 ? path : path.slice(0, dot);
}

function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/** `sessions` -> `session`, `policies` -> `policy`; `class`, `status` and `https` stay. */
function foldPlural(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith('s') && !/(ss|us|is|ps)$/.test(word)) return word.slice(0, -1);
  return word;
}
