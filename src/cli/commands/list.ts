import type { MilestoneHeader } from '../../core/milestone-header.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import { openWorkspace, withReadStore } from '../../workspace/workspace.js';

export interface ListOptions {
  cwd: string;
  io: Io;
  json: boolean;
}

/** One milestone in `list --json`. */
export interface ListEntry {
  id: string;
  title: string;
  status: MilestoneHeader['status'];
  mode: MilestoneHeader['mode'];
  /** Overall progress, 0–100. */
  progress: number;
  /** Tasks in the plan. */
  tasks: number;
  created: string;
}

/**
 * Lists the repository's milestones with status and progress: one query over the milestones'
 * headers (progress is kept there), no plan parsed.
 */
export async function list(options: ListOptions): Promise<ListEntry[]> {
  const workspace = await openWorkspace(options.cwd);
  const headers = await withReadStore(
    workspace,
    (store) => store.headers(),
    () => [],
  );
  const entries = headers.map(
    (h): ListEntry => ({
      id: h.id,
      title: h.title,
      status: h.status,
      mode: h.mode,
      progress: h.progress.overall,
      tasks: h.taskCount,
      created: h.created,
    }),
  );
  if (options.json) {
    printJson(options.io, entries);
  } else if (headers.length === 0) {
    options.io.out('no milestones yet (milestone plan --from FILE)');
  } else {
    const width = Math.max(2, ...headers.map((h) => h.id.length));
    options.io.out(`${'ID'.padEnd(width)}  ${'STATE'.padEnd(9)}  PROGRESS  ${'TASKS'.padEnd(11)}  TITLE`);
    for (const h of headers) {
      options.io.out(
        `${h.id.padEnd(width)}  ${h.status.padEnd(9)}  ${`${h.progress.overall}%`.padStart(8)}  ${`${h.landedCount}/${h.taskCount} landed`.padEnd(11)}  ${h.title}`,
      );
    }
  }
  return entries;
}
