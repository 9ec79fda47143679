import type { Phase } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { UsageError } from '../errors.js';
import type { Io } from '../io/io.js';

/** One MCP tool: a milestone command with a JSON schema for its arguments. */
export interface McpTool {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
  run(input: { cwd: string; io: Io; args: Record<string, unknown> }): Promise<unknown>;
}

function text(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new UsageError('MILESTONE_MCP_ARGUMENT', `argument ${name} must be a string`);
  return value;
}

function required(args: Record<string, unknown>, name: string): string {
  const value = text(args, name);
  if (value === undefined) throw new UsageError('MILESTONE_MCP_ARGUMENT', `argument ${name} is required`);
  return value;
}

function count(args: Record<string, unknown>, name: string): number | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new UsageError('MILESTONE_MCP_ARGUMENT', `argument ${name} must be a positive integer`);
  }
  return value;
}

const id = { type: 'string', description: 'milestone id (optional where exactly one milestone is active)' };

/** The commands an agent may call: reading ones, planning, running, reviewing. */
export const MCP_TOOLS: McpTool[] = [
  {
    name: 'milestone_list',
    description: 'List the milestones of the repository with status and progress.',
    inputSchema: { type: 'object', properties: {} },
    run: async ({ cwd, io }) => (await import('../cli/commands/list.js')).list({ cwd, io, json: true }),
  },
  {
    name: 'milestone_status',
    description: 'Progress of a milestone, computed from merged work (the status --json document).',
    inputSchema: { type: 'object', properties: { id } },
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/status.js')).status({
        cwd,
        io,
        id: text(args, 'id'),
        watch: false,
        json: true,
      }),
  },
  {
    name: 'milestone_show',
    description: 'A milestone in full: plan, critical path, waves, file overlaps, tasks, reviews.',
    inputSchema: { type: 'object', properties: { id }, required: ['id'] },
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/show.js')).show({ cwd, io, id: required(args, 'id'), json: true }),
  },
  {
    name: 'milestone_validate',
    description:
      'Check a plan file (path relative to the repository) and report every problem with file, line and field.',
    inputSchema: { type: 'object', properties: { file: { type: 'string' } }, required: ['file'] },
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/validate.js')).validate({
        cwd,
        io,
        file: required(args, 'file'),
        json: true,
      }),
  },
  {
    name: 'milestone_plan',
    description:
      'Store a plan from a file (milestone YAML/JSON, Kiro or spec-kit tasks.md, Task Master tasks.json) and run the planning analyses.',
    inputSchema: {
      type: 'object',
      properties: { from: { type: 'string' }, title: { type: 'string' }, id: { type: 'string' } },
      required: ['from'],
    },
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/plan.js')).plan({
        cwd,
        io,
        from: required(args, 'from'),
        title: text(args, 'title'),
        id: text(args, 'id'),
        json: true,
      }),
  },
  {
    name: 'milestone_execute',
    description:
      'Run or resume a milestone (each task in its own worktree, merged onto milestone/<id>). Returns the NDJSON events. dryRun shows the decision and schedule without changing anything.',
    inputSchema: {
      type: 'object',
      properties: {
        id,
        mode: { type: 'string', enum: ['auto', 'direct', 'agents', 'hybrid'] },
        phase: { type: 'string', enum: [...PHASES] },
        concurrency: { type: 'integer', minimum: 1 },
        dryRun: { type: 'boolean' },
      },
    },
    run: async ({ cwd, io, args }) => {
      const phase = text(args, 'phase');
      if (phase !== undefined && !(PHASES as readonly string[]).includes(phase)) {
        throw new UsageError('MILESTONE_MCP_ARGUMENT', `argument phase must be one of ${PHASES.join(', ')}`);
      }
      return (await import('../cli/commands/execute.js')).execute({
        cwd,
        io,
        id: text(args, 'id'),
        mode: text(args, 'mode'),
        phase: phase as Phase | undefined,
        concurrency: count(args, 'concurrency'),
        dryRun: args.dryRun === true,
        json: true,
      });
    },
  },
  {
    name: 'milestone_review',
    description: 'Approve, reject or request changes on a completed phase that has a review gate.',
    inputSchema: {
      type: 'object',
      properties: {
        id,
        phase: { type: 'string', enum: [...PHASES] },
        decision: { type: 'string', enum: ['approve', 'reject', 'request-changes'] },
        comment: { type: 'string' },
      },
      required: ['id', 'phase', 'decision'],
    },
    run: async ({ cwd, io, args }) => {
      const decision = required(args, 'decision');
      return (await import('../cli/commands/review.js')).review({
        cwd,
        io,
        id: required(args, 'id'),
        phase: required(args, 'phase'),
        approve: decision === 'approve',
        reject: decision === 'reject',
        requestChanges: decision === 'request-changes',
        comment: text(args, 'comment'),
      });
    },
  },
  {
    name: 'milestone_metrics',
    description:
      'Tokens, cost (unknown kept apart from zero), time and attempts per task; compare: direct versus agents runs.',
    inputSchema: { type: 'object', properties: { id, compare: { type: 'boolean' } } },
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/metrics.js')).metrics({
        cwd,
        io,
        id: text(args, 'id'),
        compare: args.compare === true,
        json: true,
      }),
  },
];
