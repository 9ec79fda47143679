/**
 * Stable codes of the problems plan loading reports. Scripts and tests match on these; the
 * messages may change, the codes do not.
 */
export const PLAN_CODES = {
  /** The plan file is missing or unreadable. */
  file: 'MILESTONE_PLAN_FILE',
  /** The file's kind (milestone YAML/JSON, Kiro, spec-kit, Task Master) cannot be told. */
  format: 'MILESTONE_PLAN_FORMAT',
  /** Malformed YAML. */
  yaml: 'MILESTONE_PLAN_YAML',
  /** Malformed JSON. */
  json: 'MILESTONE_PLAN_JSON',
  /** A key written twice in one mapping (YAML) or object (JSON): readers keep only one. */
  duplicateKey: 'MILESTONE_PLAN_DUPLICATE_KEY',
  /** A Kiro, spec-kit or Task Master file that cannot be mapped to a plan. */
  import: 'MILESTONE_PLAN_IMPORT',
  /** Wrong type, missing required field, unknown key, wrong version. */
  schema: 'MILESTONE_PLAN_SCHEMA',
  /** A milestone or task id that does not match `ID_PATTERN`. */
  badId: 'MILESTONE_PLAN_BAD_ID',
  /** Two tasks with the same id. */
  duplicateId: 'MILESTONE_PLAN_DUPLICATE_ID',
  /** A `needs` entry naming no task of the plan. */
  unknownDep: 'MILESTONE_PLAN_UNKNOWN_DEP',
  /** A dependency cycle, including a task that needs itself. */
  cycle: 'MILESTONE_PLAN_CYCLE',
  /** A phase other than design, spec, task, execute. */
  badPhase: 'MILESTONE_PLAN_BAD_PHASE',
  /** A task that needs a task of a later phase: phases are barriers, so it could never start. */
  phaseOrder: 'MILESTONE_PLAN_PHASE_ORDER',
  /** Phase weights that are partial, negative, unknown or do not sum to 1. */
  weights: 'MILESTONE_PLAN_WEIGHTS',
  /** A task with neither `prompt` nor `run`. */
  noAction: 'MILESTONE_PLAN_NO_ACTION',
  /** An estimate or timeout that is not a duration, or a timeout longer than a timer holds. */
  duration: 'MILESTONE_PLAN_DURATION',
  /** A plan without tasks. */
  empty: 'MILESTONE_PLAN_EMPTY',
  /** A title that is blank, multi-line or too long to be a commit subject. */
  title: 'MILESTONE_PLAN_TITLE',
  /** A `files` glob that is absolute or leaves the repository. */
  filesOutside: 'MILESTONE_PLAN_FILES_OUTSIDE',
  /** The same task named twice in one `needs`. */
  duplicateNeed: 'MILESTONE_PLAN_DUPLICATE_NEED',
} as const;

/** One of {@link PLAN_CODES}. */
export type PlanProblemCode = (typeof PLAN_CODES)[keyof typeof PLAN_CODES];
