/**
 * Whether a process with this pid exists on this host. Signal 0 checks without signalling;
 * EPERM means it exists but belongs to someone else, which still counts as alive.
 */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
