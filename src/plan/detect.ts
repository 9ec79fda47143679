import type { PlanFormat } from '../core/types.js';
import { isRecord } from './field-path.js';

const CHECKBOX = /^\s*[-*+]\s+\[[ xX~-]\]/m;
const SPEC_KIT_TASK = /^\s*[-*+]\s+\[[ xX]\]\s+[Tt]\d+\b/m;
const YAML_PLAN_KEY = /^(version|milestone|tasks)\s*:/m;

/**
 * The kind of plan in `file`: `.yaml`/`.yml` is a milestone plan; `.json` is Task Master when
 * it has a Task Master `tasks` list (or a tag such as `master` holding one) and no milestone
 * keys, else a milestone plan; `.md` is spec-kit when it has `- [ ] T001` lines, else Kiro.
 * Other names are sniffed by content; `null` when nothing fits.
 */
export function detectFormat(file: string, text: string): PlanFormat | null {
  return sniffFormat(file, text).format;
}

/**
 * {@link detectFormat}, with the value when telling JSON formats apart parsed the text: the
 * parser then need not parse a large plan a second time.
 */
export function sniffFormat(
  file: string,
  text: string,
): { format: PlanFormat | null; json?: { value: unknown } } {
  const extension = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  if (extension === 'yaml' || extension === 'yml') return { format: 'milestone-yaml' };
  if (extension === 'json') return jsonFormat(text);
  if (extension === 'md' || extension === 'markdown')
    return { format: SPEC_KIT_TASK.test(text) ? 'spec-kit' : 'kiro' };
  const start = text.trimStart();
  if (start.startsWith('{')) return jsonFormat(text);
  if (CHECKBOX.test(text)) return { format: SPEC_KIT_TASK.test(text) ? 'spec-kit' : 'kiro' };
  if (YAML_PLAN_KEY.test(text)) return { format: 'milestone-yaml' };
  return { format: null };
}

function jsonFormat(text: string): { format: PlanFormat; json?: { value: unknown } } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Malformed: parse it as a milestone plan so the syntax error is reported with its place.
    return { format: 'milestone-json' };
  }
  return { format: isTaskMaster(value) ? 'taskmaster' : 'milestone-json', json: { value } };
}

function isTaskMaster(value: unknown): boolean {
  if (!isRecord(value) || 'version' in value || 'milestone' in value) return false;
  if (Array.isArray(value.tasks)) return numbered(value.tasks);
  return Object.values(value).some((tag) => isRecord(tag) && Array.isArray(tag.tasks) && numbered(tag.tasks));
}

/** Task Master numbers its tasks, milestone plans name them; one good task is enough to tell. */
function numbered(tasks: unknown[]): boolean {
  return tasks.length === 0 || tasks.some(isTaskMasterTask);
}

function isTaskMasterTask(task: unknown): boolean {
  return (
    isRecord(task) && (typeof task.id === 'number' || (typeof task.id === 'string' && /^\d+$/.test(task.id)))
  );
}
