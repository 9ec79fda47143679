// src/plan/validate.ts as it was before issue 11's fourth plan --from pass (commit 1155442): an oracle
// of test/plan/validate-oracle.property.test.ts, not changed with the code. The tasks are read and
// their graph checked here as that version did; the rest of validation (validateWith: the structure,
// the milestone's own fields in src/plan/plan-fields.ts), which no pass changed, is the code's.
import { PHASES, type Phase, type TaskSpec } from '../../../src/core/types.js';
import { PLAN_CODES } from '../../../src/plan/codes.js';
import { describeValue, isRecord } from '../../../src/plan/field-path.js';
import { checkId, checkTitle, type ValidateContext } from '../../../src/plan/plan-fields.js';
import type { ProblemSink } from '../../../src/plan/problems.js';
import { type ValidateResult, validateWith } from '../../../src/plan/validate.js';
import { checkDuration, checkEstimate } from './durations.js';
import { checkGraph, type TaskDraft } from './graph-checks.js';

const MS_PER_MINUTE = 60_000;

/** validatePlan with this version's reading of the tasks and check of their graph. */
export function validatePlan(input: unknown, context: ValidateContext): ValidateResult {
  return validateWith(input, context, { readTask, checkGraph });
}

function readTask(value: unknown, index: number, sink: ProblemSink): TaskDraft {
  const at = ['tasks', index] as const;
  const task = isRecord(value) ? value : {};
  const id = typeof task.id === 'string' ? task.id : undefined;
  const label = id === undefined ? `tasks[${index}]` : `task "${id}"`;
  if (id !== undefined) checkId(id, `task id`, [...at, 'id'], sink);

  let phase: Phase | undefined = 'execute';
  if (task.phase !== undefined) {
    phase = (PHASES as readonly unknown[]).includes(task.phase) ? (task.phase as Phase) : undefined;
    if (phase === undefined) {
      const shown = typeof task.phase === 'string' ? `"${task.phase}"` : describeValue(task.phase);
      const hint =
        typeof task.phase === 'string' && PHASES.includes(task.phase.toLowerCase() as Phase)
          ? '; phases are lowercase'
          : '';
      sink.add(PLAN_CODES.badPhase, `phase ${shown} is not one of ${PHASES.join(', ')}${hint}`, [
        ...at,
        'phase',
      ]);
    }
  }
  const prompt = typeof task.prompt === 'string' ? task.prompt : undefined;
  const run = typeof task.run === 'string' ? task.run : undefined;
  // A prompt or run of the wrong type is already a schema problem; do not report it twice.
  const typed =
    (task.prompt === undefined || prompt !== undefined) && (task.run === undefined || run !== undefined);
  if (isRecord(value) && typed && !prompt?.trim() && !run?.trim()) {
    sink.add(
      PLAN_CODES.noAction,
      `${label} has neither \`prompt\` (for a coding agent) nor \`run\` (a command for the shell agent)`,
      at,
    );
  }
  if (typeof task.title === 'string' && task.title !== '')
    checkTitle(task.title, [...at, 'title'], `the title of ${label}`, sink);
  const needs: TaskDraft['needs'] = [];
  if (Array.isArray(task.needs)) {
    task.needs.forEach((need, needIndex) => {
      if (typeof need !== 'string') return;
      if (needs.some((seen) => seen.id === need)) {
        sink.add(PLAN_CODES.duplicateNeed, `${label} needs "${need}" twice; name it once`, [
          ...at,
          'needs',
          needIndex,
        ]);
        return;
      }
      needs.push({ id: need, index: needIndex });
    });
  }
  if (Array.isArray(task.files)) {
    task.files.forEach((file, fileIndex) => {
      if (typeof file !== 'string') return;
      const why = outsideRepository(file);
      if (why) sink.add(PLAN_CODES.filesOutside, `files entry "${file}" ${why}`, [...at, 'files', fileIndex]);
    });
  }

  const spec: TaskSpec = {
    id: id ?? '',
    title: typeof task.title === 'string' ? task.title : '',
    phase: phase ?? 'execute',
    ...(prompt === undefined ? {} : { prompt }),
    ...(run === undefined ? {} : { run }),
    needs: [...new Set(needs.map((need) => need.id))],
    files: Array.isArray(task.files)
      ? task.files.filter((file): file is string => typeof file === 'string')
      : [],
  };
  if (task.estimate !== undefined) {
    const estimate = checkEstimate(task.estimate, [...at, 'estimate'], sink);
    if (estimate) spec.estimate = estimate;
  }
  if (typeof task.agent === 'string') spec.agent = task.agent;
  if (typeof task.verify === 'string') spec.verify = task.verify;
  if (task.timeout !== undefined) {
    const minutes = checkDuration(task.timeout, [...at, 'timeout'], sink, { positive: true, timer: true });
    if (minutes !== undefined) spec.timeoutMs = Math.round(minutes * MS_PER_MINUTE);
  }
  if (typeof task.retries === 'number') spec.retries = task.retries;
  if (typeof task.commitType === 'string') spec.commitType = task.commitType;
  return { index, id, phase, needs, spec };
}

/** Why a `files` glob cannot be a path inside the repository, or `null` when it can. */
function outsideRepository(glob: string): string | null {
  if (glob.startsWith('/') || glob.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(glob) || glob.startsWith('~'))
    return 'is absolute; `files` are paths relative to the repository root';
  let depth = 0;
  for (const segment of glob.split(/[\\/]/)) {
    if (segment === '..') depth -= 1;
    else if (segment !== '' && segment !== '.') depth += 1;
    if (depth < 0) return 'leaves the repository; `files` are paths relative to the repository root';
  }
  return null;
}
