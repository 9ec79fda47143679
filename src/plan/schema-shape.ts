/**
 * A hand-written check of a plan file's structure that agrees with the zod schema of
 * `schema.ts` wherever it says yes: `true` only when the schema accepts `raw` too. It may say
 * no to a value the schema accepts (a key present with the value `undefined`, say); the schema
 * then decides and words the problems. Parsing a well-formed plan so never loads zod.
 */
export function planFitsSchema(raw: unknown): boolean {
  if (!isPlainRecord(raw) || raw.version !== 1) return false;
  for (const key in raw) {
    const value = raw[key];
    switch (key) {
      case 'version':
      case 'weights':
        break;
      case 'id':
      case 'description':
        if (typeof value !== 'string') return false;
        break;
      case 'milestone':
      case 'base':
      case 'verify':
        if (!isText(value)) return false;
        break;
      case 'integration':
        if (value !== 'each' && value !== 'batch' && value !== 'phase') return false;
        break;
      case 'defaults':
        if (!defaultsFit(value)) return false;
        break;
      case 'phases':
        if (!phasesFit(value)) return false;
        break;
      case 'tasks':
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!taskFits(value[i])) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function taskFits(task: unknown): boolean {
  if (!isPlainRecord(task) || typeof task.id !== 'string' || !isText(task.title)) return false;
  // Each field read by name, then the keys counted: every key is one of these with a value
  // exactly when the counts agree (no unknown key, none present as `undefined`). A task is one
  // of thousands: no `switch` over every key of every task.
  let fields = 2;
  if (task.phase !== undefined) fields++;
  if (task.estimate !== undefined) fields++;
  if (task.timeout !== undefined) fields++;
  if (task.prompt !== undefined) {
    if (typeof task.prompt !== 'string') return false;
    fields++;
  }
  if (task.run !== undefined) {
    if (typeof task.run !== 'string') return false;
    fields++;
  }
  if (task.needs !== undefined) {
    if (!isStringList(task.needs, false)) return false;
    fields++;
  }
  if (task.files !== undefined) {
    if (!isStringList(task.files, true)) return false;
    fields++;
  }
  if (task.agent !== undefined) {
    if (!isText(task.agent)) return false;
    fields++;
  }
  if (task.verify !== undefined) {
    if (!isText(task.verify)) return false;
    fields++;
  }
  if (task.retries !== undefined) {
    if (!isRetries(task.retries)) return false;
    fields++;
  }
  if (task.commitType !== undefined) {
    if (!isCommitType(task.commitType)) return false;
    fields++;
  }
  let keys = 0;
  for (const _ in task) keys++;
  return keys === fields;
}

/** A list of strings (`nonEmpty`: none of them empty). */
function isStringList(value: unknown, nonEmpty: boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string' || (nonEmpty && item.length === 0)) return false;
  }
  return true;
}

function defaultsFit(defaults: unknown): boolean {
  if (!isPlainRecord(defaults)) return false;
  for (const key in defaults) {
    const value = defaults[key];
    switch (key) {
      case 'agent':
      case 'verify':
        if (!isText(value)) return false;
        break;
      case 'timeout':
        if (value === undefined) return false;
        break;
      case 'retries':
        if (!isRetries(value)) return false;
        break;
      case 'commitType':
        if (!isCommitType(value)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function phasesFit(phases: unknown): boolean {
  if (!isPlainRecord(phases)) return false;
  for (const key in phases) {
    if (key !== 'design' && key !== 'spec' && key !== 'task' && key !== 'execute') return false;
    const phase = phases[key];
    if (!isPlainRecord(phase)) return false;
    for (const field in phase) if (field !== 'verify' || !isText(phase[field])) return false;
  }
  return true;
}

/** An object as JSON and YAML parsers make them: no array, no class instance, own keys only. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isText(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function isRetries(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

const COMMIT_TYPE = /^[a-z][a-z0-9-]{0,19}$/;

function isCommitType(value: unknown): boolean {
  return typeof value === 'string' && COMMIT_TYPE.test(value);
}
