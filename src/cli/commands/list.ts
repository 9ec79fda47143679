import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import type { StatusView } from '../../report/status-view.js';
import { statusView } from '../../report/status-view.js';
import { openWorkspace, withStore } from '../../workspace/workspace.js';

export interface ListOptions {
  cwd: string;
  io: Io;
  json: boolean;
}

/** Lists the repository's milestones with status and progress. */
export async function list(options: ListOptions): Promise<StatusView[]> {
  const workspace = await openWorkspace(options.cwd);
  const views = existsSync(join(workspace.storeDir, 'store.db'))
    ? await withStore(workspace, (store) => store.list().map((m) => statusView(m, workspace.config)))
    : [];
  if (options.json) {
    printJson(
      options.io,
      views.map((v) => ({
        id: v.id,
        title: v.title,
        status: v.status,
        mode: v.mode,
        progress: v.progress.overall,
        tasks: v.tasks.length,
        created: v.created,
      })),
    );
  } else if (views.length === 0) {
    options.io.out('no milestones yet (milestone plan --from FILE)');
  } else {
    const width = Math.max(2, ...views.map((v) => v.id.length));
    options.io.out(`${'ID'.padEnd(width)}  ${'STATE'.padEnd(9)}  PROGRESS  ${'TASKS'.padEnd(11)}  TITLE`);
    for (const v of views) {
      const done = v.tasks.filter((t) => t.status === 'succeeded' && t.merged).length;
      options.io.out(
        `${v.id.padEnd(width)}  ${v.status.padEnd(9)}  ${`${v.progress.overall}%`.padStart(8)}  ${`${done}/${v.tasks.length} landed`.padEnd(11)}  ${v.title}`,
      );
    }
  }
  return views;
}
