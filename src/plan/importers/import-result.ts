import type { Phase } from '../../core/types.js';
import type { Problem } from '../../errors.js';
import type { FieldPath } from '../field-path.js';
import type { PositionOf } from '../source-map.js';

/** A task as an importer emits it: the milestone plan file's task shape. */
export interface ImportedTask {
  id: string;
  title: string;
  phase: Phase;
  prompt: string;
  needs: string[];
  files: string[];
}

/** A milestone plan object built from another tool's file; validated like a plan file. */
export interface ImportedPlan {
  version: 1;
  milestone?: string;
  description?: string;
  tasks: ImportedTask[];
}

/** Where an imported task came from: a line (Markdown) or a path in the source data (JSON). */
export interface TaskOrigin {
  line?: number;
  path?: FieldPath;
}

/** What an importer returns: the plan object (or `null`), one origin per task, and problems. */
export interface ImportResult {
  raw: ImportedPlan | null;
  /** `origins[i]` is where `raw.tasks[i]` came from, so validation can name the source place. */
  origins: TaskOrigin[];
  problems: Problem[];
  /** Positions of source paths, for importers whose origins are paths. */
  positionOf?: PositionOf;
  /** Where the source's task list is (JSON), for a problem of the whole list (no tasks). */
  tasksPath?: FieldPath;
}

/** What every importer gets besides the text. */
export interface ImportOptions {
  /** The source file, for problem locations and (Kiro) the spec folder's name. */
  file: string;
}
