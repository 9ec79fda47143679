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
  let seen: Set<string> | undefined; // a few words are searched; a Set only for long texts
  // Indexed loops and char codes instead of regular expressions: this runs for every task of a
  // plan, mostly before V8 optimises it.
  const found = splitWords(text);
  for (let w = 0; w < found.length; w++) {
    const word = found[w]!;
    if (word.length < MIN_WORD_LENGTH || STOPWORDS.has(word) || allDigits(word)) continue;
    const folded = foldPlural(word);
    if (seen ? seen.has(folded) : words.includes(folded)) continue;
    words.push(folded);
    if (seen) seen.add(folded);
    else if (words.length >= 16) seen = new Set(words);
  }
  return words;
}

/**
 * For every word of any path segment (folders and basename, extensions dropped), the indices of
 * the files whose path holds it, ascending.
 */
export function indexPathWords(files: readonly string[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  for (let i = 0; i < files.length; i++) {
    const words = splitWords(stripExtensions(files[i]!));
    for (let w = 0; w < words.length; w++) {
      const word = words[w]!;
      if (word.length < MIN_WORD_LENGTH) continue;
      const folded = foldPlural(word);
      const list = index.get(folded);
      // A word the file already listed (twice in its path, or folded alike) is skipped here.
      if (!list) index.set(folded, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  }
  return index;
}

/** `src/auth/session.test.ts` -> `src/auth/session`: extensions are no words of the name. */
function stripExtensions(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.indexOf('.', slash + 2);
  return dot === -1 ? path : path.slice(0, dot);
}

/**
 * Lowercase alphanumeric words, camelCase cut (`sessionStore`, `HTTPServer`, `v2Api` give two
 * words each). ASCII text is cut by char code; other text by {@link splitWordsOfText}, since
 * lowercasing some non-ASCII letters gives ASCII ones (`K`, the Kelvin sign, gives `k`).
 */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 32;
    if (code > 127) return splitWordsOfText(text);
    const upper = code >= 65 && code <= 90;
    if (!upper && !isLowerOrDigit(code)) {
      if (start >= 0) words.push(text.slice(start, i).toLowerCase());
      start = -1;
    } else if (start < 0) {
      start = i;
    } else if (upper) {
      // A word ends before `B` in `aB` and `2B`, and before `S` in `PServer` (the rules below).
      const previous = text.charCodeAt(i - 1);
      const cut =
        isLowerOrDigit(previous) ||
        (previous >= 65 && previous <= 90 && i + 1 < text.length && isLower(text.charCodeAt(i + 1)));
      if (cut) {
        words.push(text.slice(start, i).toLowerCase());
        start = i;
      }
    }
  }
  return words;
}

/** {@link splitWords} by regular expressions: any text. */
function splitWordsOfText(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

function isLower(code: number): boolean {
  return code >= 97 && code <= 122;
}

function isLowerOrDigit(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

function allDigits(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/** `sessions` -> `session`, `policies` -> `policy`; `class`, `status` and `https` stay. */
function foldPlural(word: string): string {
  if (word.length <= 4 || word.charCodeAt(word.length - 1) !== 115) return word; // no plural `s`
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  // Not after `s`, `u`, `i` or `p`: `class`, `status`, `axis`, `https`.
  const before = word.charCodeAt(word.length - 2);
  return before === 115 || before === 117 || before === 105 || before === 112 ? word : word.slice(0, -1);
}
