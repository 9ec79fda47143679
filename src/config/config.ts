import { z } from 'zod';
import { parseAgeMs, parseDuration } from '../core/duration.js';
import type { IntegrationMode, Phase, PhaseWeights } from '../core/types.js';
import { DEFAULT_WEIGHTS, PHASES } from '../core/types.js';
import type { Problem } from '../errors.js';
import type { NotifyConfig } from '../notify/notify-config.js';
import { notifySchema } from '../notify/notify-config.js';
import type { PositionOf } from '../plan/source-map.js';
import { configProblems } from './config-problems.js';

/** Adoption levels: the reference document's migration path, in order. */
export const ADOPTION_LEVELS = ['observe', 'opt-in', 'default-complex', 'auto'] as const;
export type AdoptionLevel = (typeof ADOPTION_LEVELS)[number];

/** How task work lands on the milestone branch. */
export type CommitStrategy = 'task' | 'phase';

/** Project settings, `.milestones/config.yaml`. Every field has a default. */
export interface Config {
  version: 1;
  /** Branches `execute` never commits to. */
  protectedBranches: string[];
  weights: PhaseWeights;
  /** Maximum agents at once; `null` = from CPU and memory. */
  concurrency: number | null;
  adoption: AdoptionLevel;
  /** When the plan's integration check runs on the combined tree, unless the plan says (issue 10). */
  integration: IntegrationMode;
  worktrees: {
    /** Where task worktrees live; `null` = the user's state directory. */
    dir: string | null;
    /** Command run in a fresh worktree before the task (e.g. `npm ci`). */
    setup: string | null;
    /** Files or folders copied from the main working tree into each worktree (e.g. `.env`). */
    copy: string[];
    /** Paths linked (symlinked) from the main working tree into each worktree (e.g. `node_modules`). */
    link: string[];
    /** Files whose content keys a slot's setup (a change reruns setup once); `null` = the usual lockfiles. */
    key: string[] | null;
    /** Slots kept between runs, at most; extra ones are removed in the background. */
    keep: number;
    /** Slots unused for longer than this are removed, e.g. `7d`. */
    maxAge: string;
  };
  commit: {
    strategy: CommitStrategy;
    /** Type of task commits (`feat`, `fix`...); `null` = from the files the task changed (docs, test, else feat). */
    type: string | null;
    /** `finish` merges `.milestones/<id>/` into the base too; `false` = as `finish --without-records`. */
    records: boolean;
    /** Phase commit templates; `{title}` and `{id}` are replaced. */
    messages: Record<Phase, string>;
  };
  /** Review gates, and each phase's integration check (`verify`, the plan's own wins). */
  phases: Record<Phase, { approval: 'required' | 'none'; verify?: string }>;
  /** Agent definitions by name, checked by the agent registry. */
  agents: Record<string, unknown>;
  complexity: { high: { tasks: number; files: number }; medium: { tasks: number; files: number } };
  /** Spending limits; `null` = no limit. Unknown cost (agents that do not report it) never counts as zero. */
  budget: {
    task: { costUsd: number | null; tokens: number | null };
    milestone: { costUsd: number | null; tokens: number | null };
    /** When the milestone budget runs out: let running tasks finish, or stop them too. */
    onExceed: 'finish-running' | 'stop-running';
  };
  /** The git-operator role: an agent that resolves merge conflicts; `null` = a person does. */
  resolver: { agent: string | null };
  /** Per agent, the agents to try in order when it is unavailable or fails in a way retries cannot fix. */
  fallback: Record<string, string[]>;
  /** Bell, desktop notification and webhook when a run needs a person (`src/notify/`). */
  notify: NotifyConfig;
  /** The planner role: the agent that writes a plan when `plan` has no `--from` (docs/agents.md). */
  planner: {
    /** Agent name; `null` = the first available of claude, codex, gemini. */
    agent: string | null;
    /** Attempts before giving up; each retry is told the previous answer's problems. */
    maxAttempts: number;
    /** Time limit of one attempt, e.g. `20m`. */
    timeout: string;
  };
}

export const DEFAULT_PHASE_MESSAGES: Record<Phase, string> = {
  design: 'feat(design): complete design phase for {title}',
  spec: 'feat(spec): complete specification phase for {title}',
  task: 'feat(task): complete task planning for {title}',
  execute: 'feat(execute): implement {title} functionality',
};

/** A path inside the repository: relative, no `..`, so a link or copy never leaves the worktree. */
const worktreePath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..') && p.replace(/\/+$/, '') !== '.',
    'must be a path inside the repository (relative, no "..")',
  )
  .transform((p) => p.replace(/\/+$/, ''));

/** A conventional-commit type such as `feat`, `fix`, `chore`. */
export const commitType = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be a commit type such as feat, fix, chore');

const phaseGate = z.strictObject({
  approval: z.enum(['required', 'none']).default('none'),
  /** The phase's integration check on the combined tree (issue 10); the plan's wins. */
  verify: z.string().min(1).optional(),
});

const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  protectedBranches: z.array(z.string().min(1)).default(['main', 'master']),
  weights: z
    .strictObject({
      design: z.number().min(0),
      spec: z.number().min(0),
      task: z.number().min(0),
      execute: z.number().min(0),
    })
    .refine((w) => Math.abs(w.design + w.spec + w.task + w.execute - 1) < 1e-6, 'must sum to 1')
    .default(DEFAULT_WEIGHTS),
  concurrency: z.number().int().min(1).max(256).nullable().default(null),
  adoption: z.enum(ADOPTION_LEVELS).default('default-complex'),
  /** When integration checks run on the combined tree when the plan does not say (issue 10). */
  integration: z.enum(['each', 'batch', 'phase']).default('batch'),
  worktrees: z
    .strictObject({
      dir: z.string().min(1).nullable().default(null),
      setup: z.string().min(1).nullable().default(null),
      copy: z.array(worktreePath).default([]),
      link: z.array(worktreePath).default([]),
      key: z.array(worktreePath).nullable().default(null),
      keep: z.number().int().min(0).max(256).default(8),
      maxAge: z
        .string()
        .refine((t) => (parseAgeMs(t) ?? 0) > 0, 'must be an age such as 7d or 12h')
        .default('7d'),
    })
    .default({ dir: null, setup: null, copy: [], link: [], key: null, keep: 8, maxAge: '7d' }),
  commit: z
    .strictObject({
      strategy: z.enum(['task', 'phase']).default('task'),
      type: commitType.nullable().default(null),
      records: z.boolean().default(true),
      messages: z
        .strictObject({
          design: z.string().min(1).optional(),
          spec: z.string().min(1).optional(),
          task: z.string().min(1).optional(),
          execute: z.string().min(1).optional(),
        })
        .default({}),
    })
    .default({ strategy: 'task', type: null, records: true, messages: {} }),
  phases: z
    .strictObject({
      design: phaseGate.optional(),
      spec: phaseGate.optional(),
      task: phaseGate.optional(),
      execute: phaseGate.optional(),
    })
    .default({}),
  agents: z.record(z.string(), z.unknown()).default({}),
  complexity: z
    .strictObject({
      high: z.strictObject({ tasks: z.number().int().min(0), files: z.number().int().min(0) }),
      medium: z.strictObject({ tasks: z.number().int().min(0), files: z.number().int().min(0) }),
    })
    .default({ high: { tasks: 20, files: 50 }, medium: { tasks: 10, files: 20 } }),
  budget: z
    .strictObject({
      task: z
        .strictObject({
          costUsd: z.number().positive().nullable().default(null),
          tokens: z.number().int().positive().nullable().default(null),
        })
        .default({ costUsd: null, tokens: null }),
      milestone: z
        .strictObject({
          costUsd: z.number().positive().nullable().default(null),
          tokens: z.number().int().positive().nullable().default(null),
        })
        .default({ costUsd: null, tokens: null }),
      onExceed: z.enum(['finish-running', 'stop-running']).default('finish-running'),
    })
    .default({
      task: { costUsd: null, tokens: null },
      milestone: { costUsd: null, tokens: null },
      onExceed: 'finish-running',
    }),
  resolver: z.strictObject({ agent: z.string().min(1).nullable().default(null) }).default({ agent: null }),
  fallback: z.record(z.string(), z.array(z.string().min(1))).default({}),
  notify: notifySchema,
  planner: z
    .strictObject({
      agent: z.string().min(1).nullable().default(null),
      maxAttempts: z.number().int().min(1).max(10).default(3),
      timeout: z
        .string()
        .refine((t) => (parseDuration(t) ?? 0) > 0, 'must be a duration such as 20m or 1h')
        .default('20m'),
    })
    .default({ agent: null, maxAttempts: 3, timeout: '20m' }),
});

/** The configuration used when `.milestones/config.yaml` does not exist. */
export const DEFAULT_CONFIG: Config = normalise(configSchema.parse({}));

function normalise(raw: z.infer<typeof configSchema>): Config {
  const messages = { ...DEFAULT_PHASE_MESSAGES };
  const phases = {} as Config['phases'];
  for (const phase of PHASES) {
    messages[phase] = raw.commit.messages[phase] ?? DEFAULT_PHASE_MESSAGES[phase];
    const verify = raw.phases[phase]?.verify;
    phases[phase] = { approval: raw.phases[phase]?.approval ?? 'none', ...(verify && { verify }) };
  }
  return {
    ...raw,
    version: 1,
    commit: { strategy: raw.commit.strategy, type: raw.commit.type, records: raw.commit.records, messages },
    phases,
  };
}

/** Checks parsed YAML against the schema; problems name the file and the field. */
export function parseConfig(
  value: unknown,
  file: string,
  positionOf?: PositionOf,
): { config: Config; problems: Problem[] } {
  const result = configSchema.safeParse(value ?? {});
  if (result.success) return { config: normalise(result.data), problems: [] };
  return {
    config: DEFAULT_CONFIG,
    problems: configProblems(result.error.issues, value, file, positionOf, DEFAULT_CONFIG),
  };
}

/** The text `milestone init` writes: every setting shown with its default. */
export const CONFIG_TEMPLATE = `# milestone project settings. Every key is optional; values shown are the defaults.
version: 1
# Branches that \`milestone execute\` never commits to.
protectedBranches: [main, master]
# Share of the milestone per phase (must sum to 1).
weights: { design: 0.15, spec: 0.25, task: 0.20, execute: 0.40 }
# Agents at once; null = chosen from CPU count and free memory.
concurrency: null
# observe | opt-in | default-complex | auto
adoption: default-complex
# each | batch | phase: when the plan's \`verify\` runs on the combined milestone tree
integration: batch
worktrees:
  dir: null        # null = the user's state directory (outside the working tree)
  setup: null      # e.g. "npm ci", run in each fresh worktree
  copy: []         # e.g. [".env", "fixtures/big"], files or folders copied into each worktree
  link: []         # e.g. [node_modules], symlinked from the main checkout into each worktree
  key: null        # files whose change reruns setup; null = the usual lockfiles
  keep: 8          # slots kept between runs (removed in the background beyond this)
  maxAge: 7d       # slots unused this long are removed
commit:
  strategy: task   # task: one commit per task; phase: one squashed commit per phase
  type: null       # task commit type (feat, fix, chore...); null = docs/test/feat from the changed files
  records: true    # false: \`finish\` keeps .milestones/<id>/ out of the merge into the base
  messages: {}     # e.g. { execute: "feat: {title}" }
phases: {}         # e.g. { design: { approval: required }, execute: { verify: "npm run e2e" } }
agents: {}         # e.g. { mybot: { type: exec, command: ["node", "bot.js"] } }
complexity:
  high: { tasks: 20, files: 50 }
  medium: { tasks: 10, files: 20 }
budget:            # null = no limit; agents that report no cost count as unknown, never as $0
  task: { costUsd: null, tokens: null }
  milestone: { costUsd: null, tokens: null }
  onExceed: finish-running   # or stop-running
resolver:
  agent: null      # e.g. claude: an agent resolves merge conflicts before a person is asked
fallback: {}       # e.g. { claude: [codex, shell] }: tried when an agent is unavailable or fails for good
planner:           # \`milestone plan "<title>"\` without --from: an agent writes the plan
  agent: null      # null = the first available of claude, codex, gemini
  maxAttempts: 3   # invalid answers are retried with their problems, then plan exits 1
  timeout: 20m     # per attempt
notify:            # when a run needs a person: conflict, review gate, budget, parked task, failed, completed
  webhook: null    # e.g. https://hooks.example.com/milestone: POST of a small JSON document, retried
  bell: true       # terminal bell and a line
  desktop: true    # notify-send, where it exists
`;
