import { z } from 'zod';
import { MODES, PHASES } from '../core/types.js';

/** A milestone id argument. */
export const id = z.string().describe('milestone id (optional where exactly one milestone is active)');
export const phase = z.enum(PHASES);

/** Arguments of `milestone_execute` (here, not in tools.ts, so run-tools.ts types itself from them). */
export const executeInput = z.strictObject({
  id: id.optional(),
  mode: z.enum(['auto', ...MODES]).optional(),
  phase: phase.optional().describe('run only this phase (every task of the earlier phases must have landed)'),
  concurrency: z.number().int().min(1).optional(),
  agent: z.string().optional().describe('run every task with this agent'),
  dryRun: z.boolean().optional(),
  wait: z.boolean().optional(),
});

/** Arguments of `milestone_status`. */
export const statusInput = z.strictObject({
  id: id.optional(),
  waitSeconds: z
    .number()
    .int()
    .min(1)
    .max(50)
    .optional()
    .describe('follow the run up to this many seconds (below the 60 s clients allow a call)'),
});
