import { lstatSync, readlinkSync } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * Refuses a state folder (`.milestones/`, the store `.milestones/.local/`, a milestone's record
 * folder) that another user could change: a symlink (it may point anywhere, e.g. into another
 * user's folder or `/etc`), a folder owned by another user, or one anyone may write to (another
 * user could plant a store, a plan or a log symlink). Each refusal says how to fix it. A
 * missing folder is fine: milestone creates it itself.
 */
export function checkStateFolder(dir: string): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(dir);
  } catch {
    return;
  }
  if (stat.isSymbolicLink()) {
    throw new UsageError(
      'MILESTONE_STATE_SYMLINK',
      `${dir} is a symlink (to ${readlinkSync(dir)}); milestone does not follow links for its state. ` +
        `Fix: replace it with a real folder (rm ${dir}; milestone recreates it)`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new UsageError(
      'MILESTONE_STATE_OWNER',
      `${dir} belongs to uid ${stat.uid}, not to you (uid ${uid}); another user could change milestone's state there. ` +
        `Fix: chown -R ${uid} ${dir} (if you trust its content), or move it away`,
    );
  }
  if ((stat.mode & 0o002) !== 0) {
    throw new UsageError(
      'MILESTONE_STATE_WRITABLE',
      `${dir} is writable by every user (mode ${(stat.mode & 0o7777).toString(8)}); another user could plant files in it. ` +
        `Fix: chmod o-w ${dir}`,
    );
  }
}
