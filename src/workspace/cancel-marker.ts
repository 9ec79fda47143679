import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';
import { isPidAlive } from '../store/pid-alive.js';

/**
 * `milestone cancel` stops a running coordinator with SIGTERM, as a shutdown or `kill` would. So
 * that the coordinator can say it was cancelled (not "run execute to resume", which a cancelled
 * milestone refuses), cancel leaves this file in the store folder, naming its own pid, until it
 * is done. The coordinator believes it only while that pid is alive: a file a killed cancel left
 * behind says nothing.
 */
function markerPath(storeDir: string, id: string): string {
  return join(storeDir, `cancelling-${id}`);
}

export function markCancelling(storeDir: string, id: string): void {
  writeFileAtomic(markerPath(storeDir, id), `${process.pid}\n`);
}

export function clearCancelling(storeDir: string, id: string): void {
  rmSync(markerPath(storeDir, id), { force: true });
}

/** The pid of a live `milestone cancel` of `id`, or null. */
export function cancellingPid(storeDir: string, id: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(markerPath(storeDir, id), 'utf8').trim());
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && isPidAlive(pid) ? pid : null;
}
