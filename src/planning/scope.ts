import type { Plan } from '../core/types.js';
import { type FileIndex, indexFiles, matchGlob } from './file-index.js';
import { indexPathWords, textWords } from './path-words.js';
import type { RepoFacts } from './repo-facts.js';

/** Which files one task touches. */
export interface TaskScope {
  id: string;
  /** Existing files matched by the task's `files` globs (minus its `!` globs), sorted. */
  files: string[];
  /** Existing files whose path holds words of the task's title or prompt; a guess, capped. */
  wordFiles: string[];
  /** The task's globs that match no existing file: paths it will presumably create. */
  newPaths: string[];
}

/** A top folder of the repository and how much of the milestone falls into it. */
export interface ComponentScope {
  /** See {@link componentOf}. */
  name: string;
  /** Touched files in it. */
  files: number;
  /** Tasks touching it. */
  tasks: number;
}

/** What the scope analysis found: the repository files the milestone touches. */
export interface ScopeArtifact {
  /** Existing files touched: glob matches and word matches of tasks and of the plan's title. */
  fileCount: number;
  /**
   * `fileCount`, plus one per distinct new path, plus {@link UNSPECIFIED_TASK_FILES} per task
   * that declares no `files` and whose words match nothing.
   */
  estimatedFileCount: number;
  /** Share of tasks whose scope resolved to an existing file or a declared new path (0 when no tasks). */
  matchRate: number;
  /** By touched files, most first. */
  components: ComponentScope[];
  /** Globs matching no existing file, with the tasks declaring them. */
  newPaths: Array<{ glob: string; tasks: string[] }>;
  /** All touched files, sorted. */
  files: string[];
  /** Files matched by words of the plan's title and description. */
  planWordFiles: string[];
  tasks: TaskScope[];
}

/** Files guessed for a task that names none and whose words find none. */
export const UNSPECIFIED_TASK_FILES = 2;
/** A word matching more files than this is too generic to say where the work is. */
export const MAX_FILES_PER_WORD = 100;
/** Word matches kept per task (rarest words first): a guess must not swamp declared files. */
export const MAX_WORD_FILES_PER_TASK = 20;

/** Folders that hold components rather than being one: `src/auth/x.ts` is in `src/auth`. */
const CONTAINERS = new Set(['src', 'lib', 'packages', 'apps', 'app', 'internal', 'pkg', 'cmd', 'crates']);

/** The component of a path: its top folder, two levels under a container folder, `.` at the root. */
export function componentOf(path: string): string {
  const segments = path.split('/');
  if (segments.length === 1) return '.';
  if (segments.length > 2 && CONTAINERS.has(segments[0]!)) return `${segments[0]}/${segments[1]}`;
  return segments[0]!;
}

/** Resolves every task's `files` and words against the repository. Pure. */
export function analyzeScope(plan: Plan, facts: RepoFacts): ScopeArtifact {
  const index = indexFiles(facts.files);
  const matchWords = wordMatcher(index);
  const touched = new Uint8Array(index.files.length);
  const stamp = new Int32Array(index.files.length).fill(-1);
  const newPaths = new Map<string, string[]>();
  const perTask: number[][] = [];
  let unspecified = 0;
  let resolved = 0;
  const paths = (list: readonly number[]) => list.map((i) => index.files[i]!);
  // Plain indexed loops, no per-task closures or iterators: this runs once per task of the
  // plan, in a process that ends right after, so mostly before V8 optimises it (where `for of`
  // costs an iterator and a result object per step).
  const tasks: TaskScope[] = [];
  for (let t = 0; t < plan.tasks.length; t++) {
    const task = plan.tasks[t]!;
    const globs = task.files;
    let excluded: Set<number> | undefined;
    let positive = 0;
    for (let g = 0; g < globs.length; g++) {
      const glob = globs[g]!;
      if (!negated(glob)) {
        positive++;
        continue;
      }
      excluded ??= new Set<number>();
      const hits = matchGlob(index, glob.trim().slice(1));
      for (let h = 0; h < hits.length; h++) excluded.add(hits[h]!);
    }
    const matched: number[] = [];
    const unmatched: string[] = [];
    for (let g = 0; g < globs.length; g++) {
      const glob = globs[g]!;
      if (positive < globs.length && negated(glob)) continue;
      const hits = matchGlob(index, glob);
      if (hits.length === 0) unmatched.push(glob);
      for (let h = 0; h < hits.length; h++) {
        const i = hits[h]!;
        if (stamp[i] === t || excluded?.has(i)) continue;
        stamp[i] = t;
        matched.push(i);
      }
    }
    if (matched.length > 1) matched.sort((a, b) => a - b);
    let words = matchWords(`${task.title}\n${task.prompt ?? ''}`);
    if (words.length > 0) words = words.filter((i) => stamp[i] !== t);
    for (let k = 0; k < matched.length; k++) touched[matched[k]!] = 1;
    for (let k = 0; k < words.length; k++) touched[words[k]!] = 1;
    perTask.push(words.length === 0 ? matched : matched.concat(words));
    for (let u = 0; u < unmatched.length; u++) {
      const glob = unmatched[u]!;
      const declaring = newPaths.get(glob);
      if (declaring) declaring.push(task.id);
      else newPaths.set(glob, [task.id]);
    }
    if (positive === 0 && words.length === 0) unspecified++;
    if (matched.length + words.length + unmatched.length > 0) resolved++;
    tasks.push({
      id: task.id,
      files: matched.length === 0 ? [] : paths(matched),
      wordFiles: words.length === 0 ? [] : paths(words),
      newPaths: unmatched,
    });
  }
  const planWords = matchWords(`${plan.title}\n${plan.description ?? ''}`);
  for (const i of planWords) touched[i] = 1;
  const files = index.files.filter((_, i) => touched[i] === 1);
  return {
    fileCount: files.length,
    estimatedFileCount: files.length + newPaths.size + UNSPECIFIED_TASK_FILES * unspecified,
    matchRate: tasks.length > 0 ? resolved / tasks.length : 0,
    components: componentsOf(index, touched, perTask),
    newPaths: [...newPaths].map(([glob, ids]) => ({ glob, tasks: ids })),
    files,
    planWordFiles: planWords.map((i) => index.files[i]!),
    tasks,
  };
}

/** `!glob`, an exclusion (after leading white space); without a string copy for the common glob. */
function negated(glob: string): boolean {
  const first = glob.charCodeAt(0);
  if (first > 32 && first < 127) return first === 33; // printable ASCII: no white space to trim
  return glob.trim().startsWith('!');
}

/** Text -> indices of files matched by its words, rarest words first, capped, ascending. */
function wordMatcher(index: FileIndex): (text: string) => number[] {
  let words: Map<string, number[]> | undefined; // built on first use: many plans have no prose
  return (text) => {
    let lists: number[][] | undefined;
    const found = textWords(text);
    for (let w = 0; w < found.length; w++) {
      words ??= indexPathWords(index.files);
      const hits = words.get(found[w]!);
      if (!hits || hits.length > MAX_FILES_PER_WORD) continue;
      lists ??= [];
      lists.push(hits);
    }
    if (!lists) return [];
    lists.sort((a, b) => a.length - b.length);
    const chosen = new Set<number>();
    for (let l = 0; l < lists.length; l++) {
      const list = lists[l]!;
      for (let k = 0; k < list.length && chosen.size < MAX_WORD_FILES_PER_TASK; k++) chosen.add(list[k]!);
    }
    return [...chosen].sort((a, b) => a - b);
  };
}

/** Components of the touched files, with file and task counts; by file index, each path cut once. */
function componentsOf(
  index: FileIndex,
  touched: Uint8Array,
  perTask: readonly (readonly number[])[],
): ComponentScope[] {
  const ids = new Map<string, number>();
  const names: string[] = [];
  const files: number[] = [];
  const component = new Int32Array(index.files.length).fill(-1);
  touched.forEach((flag, i) => {
    if (flag === 0) return;
    const name = componentOf(index.files[i]!);
    let id = ids.get(name);
    if (id === undefined) {
      id = names.push(name) - 1;
      ids.set(name, id);
      files.push(0);
    }
    component[i] = id;
    files[id]!++;
  });
  const tasks = new Int32Array(names.length);
  const stamp = new Int32Array(names.length).fill(-1);
  perTask.forEach((list, t) => {
    for (const i of list) {
      const c = component[i]!;
      if (stamp[c] === t) continue;
      stamp[c] = t;
      tasks[c]!++;
    }
  });
  return names
    .map((name, c) => ({ name, files: files[c]!, tasks: tasks[c]! }))
    .sort((a, b) => b.files - a.files || (a.name < b.name ? -1 : 1));
}
