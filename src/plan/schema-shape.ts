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
  for (const key in task) {
    const value = task[key];
    switch (key) {
      case 'id':
      case 'title':
      case 'phase':
      case 'estimate':
      case 'timeout':
        if (value === undefined) return false;
        break;
      case 'prompt':
      case 'run':
        if (typeof value !== 'string') return false;
        break;
      case 'needs':
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
        break;
      case 'files':
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!isText(value[i])) return false;
        break;
      case 'agent':
      case 'verify':
        if (!isText(value)) return false;
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
