import { z } from 'zod';
import { executeInput, id, phase, statusInput } from './run-inputs.js';
import type { McpTool } from './tool.js';
import { tool } from './tool.js';

/** The commands an agent may call: reading ones, planning, running, reviewing. */
export const MCP_TOOLS: McpTool[] = [
  tool({
    name: 'milestone_list',
    description: 'List the milestones of the repository with status and progress.',
    input: z.strictObject({}),
    run: async ({ cwd, io }) => (await import('../cli/commands/list.js')).list({ cwd, io, json: true }),
  }),
  tool({
    name: 'milestone_status',
    description:
      'Progress of a milestone, computed from merged work (the status --json document), plus the run this server started for it (running, exit code, last events). waitSeconds: wait until the milestone stops executing (or that many seconds pass), sending progress notifications as work lands.',
    input: statusInput,
    run: async (context) => (await import('./run-tools.js')).statusTool(context),
  }),
  tool({
    name: 'milestone_show',
    description: 'A milestone in full: plan, critical path, waves, file overlaps, tasks, reviews.',
    input: z.strictObject({ id: z.string().describe('milestone id') }),
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/show.js')).show({ cwd, io, id: args.id, json: true }),
  }),
  tool({
    name: 'milestone_validate',
    description: 'Check a plan file and report every problem with file, line and field (nothing is stored).',
    input: z.strictObject({ file: z.string().describe('plan file, relative to the repository') }),
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/validate.js')).validate({ cwd, io, file: args.file, json: true }),
  }),
  tool({
    name: 'milestone_plan',
    description:
      'Store a plan from a file (milestone YAML/JSON, Kiro or spec-kit tasks.md, Task Master tasks.json) and run the planning analyses.',
    input: z.strictObject({
      from: z.string().describe('plan file, relative to the repository'),
      title: z.string().optional(),
      id: z.string().optional().describe('milestone id (default: from the plan, else a slug of the title)'),
    }),
    run: async ({ cwd, io, args, signal }) =>
      (await import('../cli/commands/plan.js')).plan({ cwd, io, ...args, json: true, signal }),
  }),
  tool({
    name: 'milestone_execute',
    description:
      'Run or resume a milestone (each task in its own worktree, merged onto milestone/<id>). Starts the run and returns its id at once; poll milestone_status (waitSeconds follows it with progress). wait: run to the end in this call instead, with progress notifications, cancellable (state saved, execute resumes). dryRun: the decision and schedule, changing nothing.',
    input: executeInput,
    run: async (context) => (await import('./run-tools.js')).executeTool(context),
  }),
  tool({
    name: 'milestone_review',
    description: 'Approve, reject or request changes on a completed phase that has a review gate.',
    input: z.strictObject({
      id: z.string().describe('milestone id'),
      phase,
      decision: z.enum(['approve', 'reject', 'request-changes']),
      comment: z.string().optional(),
    }),
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/review.js')).review({
        cwd,
        io,
        id: args.id,
        phase: args.phase,
        approve: args.decision === 'approve',
        reject: args.decision === 'reject',
        requestChanges: args.decision === 'request-changes',
        comment: args.comment,
      }),
  }),
  tool({
    name: 'milestone_cancel',
    description:
      'Cancel a milestone for good: its running coordinator stops, leftover worktrees go; what landed stays.',
    input: z.strictObject({ id: id.optional() }),
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/cancel.js')).cancel({ cwd, io, id: args.id }),
  }),
  tool({
    name: 'milestone_report',
    description:
      'The review packet: per phase, each task with its agent, attempts, diffstat, verify output, cost, and the integration checks.',
    input: z.strictObject({
      id: id.optional(),
      format: z.enum(['md', 'html']).optional(),
      phase: phase.optional(),
    }),
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/report.js')).report({ cwd, io, ...args }),
  }),
  tool({
    name: 'milestone_metrics',
    description:
      'Tokens, cost (unknown kept apart from zero), time and attempts per task; compare: direct versus agents runs.',
    input: z.strictObject({ id: id.optional(), compare: z.boolean().optional() }),
    run: async ({ cwd, io, args }) =>
      (await import('../cli/commands/metrics.js')).metrics({
        cwd,
        io,
        id: args.id,
        compare: args.compare ?? false,
        json: true,
      }),
  }),
];
