import { mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { InternalError } from '../errors.js';
import { isRecord } from '../plan/field-path.js';
import { writeFileAtomic } from '../store/atomic-file.js';

/** A design or spec document the planner wrote, saved under `.milestones/<id>/`. */
export interface Deliverable {
  /** Relative to `.milestones/<id>/`, e.g. `design/architecture.md`. */
  path: string;
  /** Markdown. */
  content: string;
}

/** Folders the planner may write into: the phases whose deliverables are documents. */
export const DELIVERABLE_FOLDERS = ['design', 'spec'] as const;
/** Enough for a set of design and spec documents; more is a runaway answer. */
export const MAX_DELIVERABLES = 20;
/** Characters per document. */
export const MAX_DELIVERABLE_CHARS = 200_000;

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Why `path` may not be a deliverable, or `null` when it may: relative, `/`-separated, no
 * `..` or `.` or hidden segment, under `design/` or `spec/`, a `.md` file. Pure.
 */
export function checkDeliverablePath(path: string): string | null {
  if (path.trim() === '') return 'the path is empty';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) {
    return 'must be a relative path with / separators';
  }
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return 'must not contain ..';
  if (segments.some((s) => !SEGMENT.test(s))) {
    return 'segments may use letters, digits, ".", "_" and "-" only, and must not start with "." or be empty';
  }
  if (segments.length < 2 || !(DELIVERABLE_FOLDERS as readonly string[]).includes(segments[0]!)) {
    return `must be under ${DELIVERABLE_FOLDERS.map((f) => `${f}/`).join(' or ')}`;
  }
  if (!path.endsWith('.md')) return 'must be a Markdown file ending in .md';
  return null;
}

/** Reads the answer's `deliverables` mapping (absent = none); each bad entry is a problem. Pure. */
export function readDeliverables(value: unknown): { deliverables: Deliverable[]; problems: string[] } {
  if (value === undefined) return { deliverables: [], problems: [] };
  if (!isRecord(value)) {
    return {
      deliverables: [],
      problems: [
        'deliverables: must be an object mapping paths (e.g. "design/architecture.md") to Markdown text',
      ],
    };
  }
  const deliverables: Deliverable[] = [];
  const problems: string[] = [];
  const entries = Object.entries(value);
  if (entries.length > MAX_DELIVERABLES) {
    problems.push(`deliverables: at most ${MAX_DELIVERABLES} documents, got ${entries.length}`);
  }
  for (const [path, content] of entries.slice(0, MAX_DELIVERABLES)) {
    const field = `deliverables[${JSON.stringify(path)}]`;
    const bad = checkDeliverablePath(path);
    if (bad !== null) problems.push(`${field}: ${bad}`);
    else if (typeof content !== 'string') problems.push(`${field}: must be Markdown text (a string)`);
    else if (content.length > MAX_DELIVERABLE_CHARS) {
      problems.push(`${field}: longer than ${MAX_DELIVERABLE_CHARS} characters`);
    } else deliverables.push({ path, content });
  }
  return { deliverables, problems };
}

/**
 * Writes each deliverable under `dir` (`.milestones/<id>/`), atomically; returns the files
 * written. Paths are checked again here: this is the step that touches the disk.
 */
export function writeDeliverables(dir: string, deliverables: readonly Deliverable[]): string[] {
  const root = resolve(dir);
  return deliverables.map(({ path, content }) => {
    const file = resolve(root, path);
    const inside = relative(root, file);
    if (checkDeliverablePath(path) !== null || inside.startsWith(`..${sep}`) || inside === '..') {
      throw new InternalError(`deliverable path ${JSON.stringify(path)} escaped its folder`);
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, content.endsWith('\n') ? content : `${content}\n`);
    return join(dir, path);
  });
}
