import type { Plan } from '../core/types.js';
import type { Problem } from '../errors.js';
import { isRecord } from '../plan/field-path.js';
import { parsePlan } from '../plan/parse.js';
import type { Deliverable } from './deliverables.js';
import { readDeliverables } from './deliverables.js';
import { extractJson } from './extract-json.js';

/** What the command line fixes, whatever the planner answers. */
export interface ReplyOverrides {
  title: string;
  id: string;
  /** Replaces the answer's description when given. */
  description?: string;
  /** `defaults.agent` when the answer names none: the agent tasks run with. */
  taskAgent?: string;
}

/** A planner answer read: a valid plan and its deliverables, or every problem found. */
export interface PlannerReply {
  plan: Plan | null;
  deliverables: Deliverable[];
  /** One line each, in words the agent can act on (`tasks[1].needs[0]: ...`). */
  problems: string[];
}

/** The name problems give the answer, for the few messages that name a place. */
const ANSWER = 'answer';

/**
 * Reads a planner's final answer: the one JSON document in it (see {@link extractJson}), its
 * `deliverables`, and the rest validated by {@link parsePlan} exactly as a plan file is, with
 * the title and id of the command line. `version: 1` is filled in when missing and `base` is
 * dropped (the branch is the command line's business). Pure.
 */
export function readPlannerReply(answer: string, overrides: ReplyOverrides): PlannerReply {
  const extracted = extractJson(answer);
  if (!extracted.ok) return { plan: null, deliverables: [], problems: [extracted.problem] };
  if (!isRecord(extracted.value)) {
    return { plan: null, deliverables: [], problems: ['the JSON document must be an object'] };
  }
  const { deliverables: rawDeliverables, base: _base, ...raw } = extracted.value;
  const { deliverables, problems } = readDeliverables(rawDeliverables);
  const draft: Record<string, unknown> = { ...raw, version: raw.version ?? 1 };
  if (overrides.description !== undefined) draft.description = overrides.description;
  if (overrides.taskAgent !== undefined) {
    const defaults = isRecord(raw.defaults) ? raw.defaults : raw.defaults === undefined ? {} : null;
    if (defaults !== null && defaults.agent === undefined) {
      draft.defaults = { ...defaults, agent: overrides.taskAgent };
    }
  }
  const parsed = parsePlan(JSON.stringify(draft, null, 2), {
    file: ANSWER,
    format: 'milestone-json',
    title: overrides.title,
    id: overrides.id,
  });
  problems.unshift(...parsed.problems.map(describeProblem));
  const plan = problems.length === 0 ? parsed.plan : null;
  return { plan, deliverables: plan ? deliverables : [], problems };
}

/** `tasks[1].needs[0]: message`: the field, not a line of a re-serialised text the agent never saw. */
function describeProblem(problem: Problem): string {
  const field = problem.location?.field;
  // Lines of the re-serialised text mean nothing to the agent: field paths say where.
  const message = problem.message.replace(/ \(line \d+\)/g, '');
  return field ? `${field}: ${message}` : message;
}
