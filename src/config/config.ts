import { z } from 'zod';
import { parseAgeMs, parseDuration } from '../core/duration.js';
import type { Phase } from '../core/types.js';
import { DEFAULT_WEIGHTS } from '../core/types.js';
import type { Problem } from '../errors.js';
import { notifySchema } from '../notify/notify-config.js';
import type { PositionOf } from '../plan/source-map.js';
import { configProblems } from './config-problems.js';
import { resourceLimitsSchema } from './limits-config.js';

/** Adoption levels, from least to most trust in parallel agents (README, "Adoption level"). */
export const ADOPTION_LEVELS = ['observe', 'opt-in', 'default-complex', 'auto'] as const;
export type AdoptionLevel = (typeof ADOPTION_LEVELS)[number];

/** How task work lands on the milestone branch. */

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

/** A phase's review gate (`none` unless the config asks for approval) and its integration check. */
const phaseGate = z
  .strictObject({
    approval: z.enum(['required', 'none']).default('none'),
    /** The phase's integration check on the combined tree; the plan's own wins. */
    verify: z.string().min(1).optional(),
  })
  .prefault({});

/** A spending limit; `null` = none. */
const limit = z
  .strictObject({
    costUsd: z.number().positive().nullable().default(null),
    tokens: z.number().int().positive().nullable().default(null),
  })
  .prefault({});

const threshold = z.strictObject({ tasks: z.number().int().min(0), files: z.number().int().min(0) });

/**
 * `.milestones/config.yaml`. Every default is stated once, here, on its field: a section's
 * `.prefault({})` parses an absent section as `{}` so its fields' defaults apply. The `Config`
 * type, `DEFAULT_CONFIG` and the `init` template (checked by test/config/config.test.ts) all
 * come from this schema.
 */
const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  /** Branches `execute` never commits to. */
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
  /** Maximum agents at once; `null` = from CPU and memory. */
  concurrency: z.number().int().min(1).max(256).nullable().default(null),
  adoption: z.enum(ADOPTION_LEVELS).default('default-complex'),
  /** When integration checks run on the combined tree when the plan does not say (issue 10). */
  integration: z.enum(['each', 'batch', 'phase']).default('batch'),
  worktrees: z
    .strictObject({
      /** Where task worktrees live; `null` = the user's state directory. */
      dir: z.string().min(1).nullable().default(null),
      /** Command run in a fresh worktree before the task (e.g. `npm ci`). */
      setup: z.string().min(1).nullable().default(null),
      /** Files or folders copied from the main working tree into each worktree (e.g. `.env`). */
      copy: z.array(worktreePath).default([]),
      /** Paths linked (symlinked) from the main working tree into each worktree (e.g. `node_modules`). */
      link: z.array(worktreePath).default([]),
      /** Files whose content keys a slot's setup (a change reruns setup once); `null` = the usual lockfiles. */
      key: z.array(worktreePath).nullable().default(null),
      /** Slots kept between runs, at most; extra ones are removed in the background. */
      keep: z.number().int().min(0).max(256).default(8),
      /** Slots unused for longer than this are removed, e.g. `7d`. */
      maxAge: z
        .string()
        .refine((t) => (parseAgeMs(t) ?? 0) > 0, 'must be an age such as 7d or 12h')
        .default('7d'),
    })
    .prefault({}),
  commit: z
    .strictObject({
      strategy: z.enum(['task', 'phase']).default('task'),
      /** Type of task commits (`feat`, `fix`...); `null` = from the files the task changed (docs, test, else feat). */
      type: commitType.nullable().default(null),
      /** `finish` merges `.milestones/<id>/` into the base too; `false` = as `finish --without-records`. */
      records: z.boolean().default(true),
      /** Phase commit templates; `{title}` and `{id}` are replaced. */
      messages: z
        .strictObject({
          design: z.string().min(1).default(DEFAULT_PHASE_MESSAGES.design),
          spec: z.string().min(1).default(DEFAULT_PHASE_MESSAGES.spec),
          task: z.string().min(1).default(DEFAULT_PHASE_MESSAGES.task),
          execute: z.string().min(1).default(DEFAULT_PHASE_MESSAGES.execute),
        })
        .prefault({}),
    })
    .prefault({}),
  phases: z
    .strictObject({ design: phaseGate, spec: phaseGate, task: phaseGate, execute: phaseGate })
    .prefault({}),
  /** Agent definitions by name, checked by the agent registry. */
  agents: z.record(z.string(), z.unknown()).default({}),
  complexity: z
    .strictObject({ high: threshold, medium: threshold })
    .default({ high: { tasks: 20, files: 50 }, medium: { tasks: 10, files: 20 } }),
  /** Spending limits. Unknown cost (agents that do not report it) never counts as zero. */
  budget: z
    .strictObject({
      task: limit,
      milestone: limit,
      /** When the milestone budget runs out: let running tasks finish, or stop them too. */
      onExceed: z.enum(['finish-running', 'stop-running']).default('finish-running'),
    })
    .prefault({}),
  /** The git-operator role: an agent that resolves merge conflicts; `null` = a person does. */
  resolver: z.strictObject({ agent: z.string().min(1).nullable().default(null) }).prefault({}),
  /** Per agent, the agents to try in order when it is unavailable or fails in a way retries cannot fix. */
  fallback: z.record(z.string(), z.array(z.string().min(1))).default({}),
  /** Bell, desktop notification and webhook when a run needs a person (`src/notify/`). */
  notify: notifySchema,
  limits: resourceLimitsSchema,
  /** The planner role: the agent that writes a plan when `plan` has no `--from` (docs/agents.md). */
  planner: z
    .strictObject({
      /** Agent name; `null` = the first available of claude, codex, gemini. */
      agent: z.string().min(1).nullable().default(null),
      /** Attempts before giving up; each retry is told the previous answer's problems. */
      maxAttempts: z.number().int().min(1).max(10).default(3),
      /** Time limit of one attempt, e.g. `20m`. */
      timeout: z
        .string()
        .refine((t) => (parseDuration(t) ?? 0) > 0, 'must be a duration such as 20m or 1h')
        .default('20m'),
    })
    .prefault({}),
  /** Redaction (`src/process/redact-secrets.ts`): more variable names whose values are secret. */
  secrets: z
    .strictObject({
      names: z
        .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name such as DEPLOY_PHRASE'))
        .default([]),
    })
    .prefault({}),
  /** `redis://` or `rediss://` URL of the task queue: `execute` hands tasks to workers (docs/distributed.md). */
  queue: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL')
    .nullable()
    .default(null),
});

/** Project settings, `.milestones/config.yaml`, as the schema reads them. Every field has a default. */
export type Config = z.output<typeof configSchema>;

/** The configuration used when `.milestones/config.yaml` does not exist: the schema's defaults. */
export const DEFAULT_CONFIG: Config = configSchema.parse({});

/** Checks parsed YAML against the schema; problems name the file and the field. */
export function parseConfig(
  value: unknown,
  file: string,
  positionOf?: PositionOf,
): { config: Config; problems: Problem[] } {
  const result = configSchema.safeParse(value ?? {});
  if (result.success) return { config: result.data, problems: [] };
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
agents: {}         # e.g. { mybot: { type: exec, command: ["tools/bot.js"] } } (README: the exec agent protocol)
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
secrets:           # values of variables named *KEY*, *TOKEN*, *SECRET*, *PASSWORD*, *CREDENTIAL*, *AUTH* are never written
  names: []        # e.g. [DEPLOY_PHRASE]: more names (or parts of names) whose values are secret
queue: null        # e.g. redis://redis.internal:6379: execute hands tasks to \`milestone worker\` processes
limits:            # per task process (agent, verify, setup); sizes in MB, null = no limit
  logMaxMb: 50     # an attempt log keeps its last half of this, with a note of what was cut
  outputMaxMb: 1024  # a process printing more is a runaway: stopped, its task fails, the run goes on
  maxProcesses: 512  # a process group larger than this (a fork loop) is stopped the same way
  memoryMb: null   # e.g. 4096: ulimit -d for each agent process
  minFreeMb: 100   # free space kept on the worktrees' disk beyond a new slot's checkout
  nice: 10         # the run (execute, its git, every task process) this much nicer than your shell; 0 = off
`;
