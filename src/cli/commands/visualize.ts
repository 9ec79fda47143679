import type { Io } from '../../io/io.js';
import type { GraphFormat } from '../../report/graph-render.js';
import { renderGraph } from '../../report/graph-render.js';
import { milestoneSvg } from '../../ui/visualize-svg.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';

export interface VisualizeOptions {
  cwd: string;
  io: Io;
  /** Optional when exactly one milestone is active. */
  id?: string | undefined;
  format: GraphFormat | 'svg';
}

/** Prints the task graph grouped by phase as Mermaid, Graphviz dot or plain text. */
export async function visualize(options: VisualizeOptions): Promise<string> {
  const workspace = await openWorkspace(options.cwd);
  const [state, events] = await withExistingStore(workspace, (store) => {
    const found = resolveMilestone(store, options.id);
    return [
      found,
      options.format === 'svg' ? store.events(found.id, { types: ['task_status', 'milestone_status'] }) : [],
    ] as const;
  });
  const text =
    options.format === 'svg'
      ? milestoneSvg(state, events, Date.now())
      : renderGraph(state.plan, options.format, state.tasks);
  options.io.out(text);
  return text;
}
