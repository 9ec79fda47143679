import type { Phase } from '../../core/types.js';
import { PHASES } from '../../core/types.js';
import { UsageError } from '../../errors.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import type { Packet } from '../../report/packet.js';
import { gatherPacket } from '../../report/packet-facts.js';
import { packetHtml } from '../../report/packet-html.js';
import { packetMarkdown } from '../../report/packet-markdown.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';
import { conflictsOf, formatConflict } from '../conflict-advice.js';

/** Formats `report` prints. */
export const REPORT_FORMATS = ['md', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  cwd: string;
  io: Io;
  id?: string | undefined;
  format?: string | undefined;
  phase?: string | undefined;
}

/**
 * Prints the review packet of a milestone: per phase, each task's prompt or command, agent,
 * attempts, the diffstat of its landing, verify output, cost, what the agent claimed next to
 * what the checks showed, and the integration checks.
 */
export async function report(options: ReportOptions): Promise<Packet> {
  const format = (options.format ?? 'md') as ReportFormat;
  if (!REPORT_FORMATS.includes(format))
    throw new UsageError(
      'MILESTONE_BAD_FORMAT',
      `--format must be one of ${REPORT_FORMATS.join(', ')} (got "${format}")`,
    );
  if (options.phase !== undefined && !(PHASES as readonly string[]).includes(options.phase))
    throw new UsageError(
      'MILESTONE_BAD_PHASE',
      `--phase must be one of ${PHASES.join(', ')} (got "${options.phase}")`,
    );
  const workspace = await openWorkspace(options.cwd);
  return withExistingStore(workspace, async (store) => {
    const state = resolveMilestone(store, options.id);
    const phase = (options.phase ?? null) as Phase | null;
    if (phase && !state.plan.tasks.some((t) => t.phase === phase))
      throw new UsageError('MILESTONE_BAD_PHASE', `milestone ${state.id} has no tasks in phase ${phase}`);
    const packet = await gatherPacket(workspace, store, state, phase);
    // A failed run's packet says what to do: the steps of each conflicted task, as `status` prints them.
    const where = { repoRoot: workspace.root, worktreeRoot: worktreeRoot(workspace, process.env) };
    const tasks = Object.values(state.tasks);
    const conflicts = conflictsOf(store, { id: state.id, branch: state.branch, tasks }, where);
    packet.next.push(...conflicts.flatMap((advice) => formatConflict(state.branch, advice)));
    if (format === 'json') printJson(options.io, packet);
    else options.io.out(format === 'html' ? packetHtml(packet) : packetMarkdown(packet));
    return packet;
  });
}
