/**
 * Milliseconds of CPU this process used since `start` (a `process.cpuUsage()` reading). Bounds on
 * work (a quadratic blow-up) are asserted on it, not on wall time: other jobs on a busy machine
 * stretch wall time, not the CPU time this process spends.
 */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
