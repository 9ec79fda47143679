import { gitA } from '../../helpers/async-cli.js';

/** `Task-Id`/`Reverted` of each commit on the branch's first-parent line, oldest first. */
export async function landingLog(root: string, branch: string) {
  const out = await gitA(
    root,
    'log',
    '--first-parent',
    '--reverse',
    '--format=%H%x1f%(trailers:key=Task-Id,valueonly,separator=%x2C)%x1f%(trailers:key=Reverted,valueonly)%x1f%(trailers:key=Milestone-Phase,valueonly)%x1e',
    `main..${branch}`,
  );
  return out
    .split('\x1e')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [sha, task, reverted, phase] = r.split('\x1f');
      return {
        sha: sha!,
        task: task?.trim() ?? '',
        reverted: reverted?.trim() ?? '',
        phase: phase?.trim() ?? '',
      };
    });
}

/** Per task: landings minus reverts on the branch (must be exactly 1 for every task). */
export function netLandings(log: Awaited<ReturnType<typeof landingLog>>): Record<string, number> {
  const net: Record<string, number> = {};
  for (const c of log) {
    if (!c.task || c.phase) continue;
    net[c.task] = (net[c.task] ?? 0) + (c.reverted ? -1 : 1);
  }
  return net;
}
