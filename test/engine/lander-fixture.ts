import { DEFAULT_CONFIG } from '../../src/config/config.js';
import type { MilestoneEvent } from '../../src/core/events.js';
import type { MilestoneState } from '../../src/core/projection.js';
import type { TaskSpec } from '../../src/core/types.js';
import { Lander } from '../../src/engine/lander.js';
import { gitA } from '../helpers/async-cli.js';
import { writeFiles } from '../helpers/git-repo.js';

/** Task `id` of milestone `m`, with what the lander reads of it. */
export function spec(id: string): TaskSpec {
  return { id, title: `Write ${id}`, phase: 'execute', needs: [], files: [] } as unknown as TaskSpec;
}

/**
 * Task `id`'s branch (`milestone/m.tasks/<id>`) off `from` with `files` committed, as an attempt
 * commits them (trailers included); returns the commit, with main checked out again.
 */
export async function taskCommit(
  root: string,
  id: string,
  from: string,
  files: Record<string, string>,
): Promise<string> {
  await gitA(root, 'checkout', '-q', '-b', `milestone/m.tasks/${id}`, from);
  writeFiles(root, files);
  await gitA(root, 'add', '-A');
  await gitA(root, 'commit', '-qm', `feat: ${id}\n\nMilestone-Id: m\nTask-Id: ${id}`);
  const commit = await gitA(root, 'rev-parse', 'HEAD');
  await gitA(root, 'checkout', '-q', 'main');
  return commit;
}

/** The lander of milestone `m` in `root` (branch `milestone/m`, run `run-1`), recording into `events`. */
export function testLander(root: string, events: MilestoneEvent[] = []): Lander {
  return new Lander({
    repoRoot: root,
    milestoneId: 'm',
    branch: 'milestone/m',
    config: DEFAULT_CONFIG,
    state: () => ({ runId: 'run-1' }) as unknown as MilestoneState,
    record: (...more) => {
      events.push(...more);
      return [];
    },
  });
}
