import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from './measure.js';

/** CPU time (user + system, ms) of this process's waited-for children, from /proc (Linux). */
export function childrenCpuMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // cutime and cstime are fields 16 and 17 of stat, in clock ticks (100 per second).
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** The `milestone` command of a checkout (its package.json `bin`), as users start it. */
export function milestoneBin(checkout: string): string {
  const manifest = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as {
    bin: { milestone: string };
  };
  return join(checkout, manifest.bin.milestone);
}

/** One command line to time as a whole process. */
export interface ProcessCommand {
  step: string;
  command: string;
  args: string[];
  /** The exit code it must end with (default 0): anything else fails the bench. */
  exitCode?: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Times whole processes the way hyperfine does (one warm-up run each, then `runs` timed runs),
 * interleaved: run i of every command before run i + 1 of any, so a shared machine's load
 * weighs on all of them alike and the rows compare.
 */
export function timeProcesses(
  commands: readonly ProcessCommand[],
  runs: number,
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Measurement[] {
  const times = commands.map((): number[] => []);
  const cpu = commands.map((): number[] => []);
  const out = commands.map(() => '');
  for (let run = -1; run < runs; run++) {
    commands.forEach((entry, index) => {
      const cpuBefore = childrenCpuMs();
      const started = performance.now();
      const result = spawnSync(entry.command, entry.args, { ...options, encoding: 'utf8' });
      const wall = performance.now() - started;
      if (result.status !== (entry.exitCode ?? 0))
        throw new Error(`${entry.step}: exited ${result.status}: ${result.stderr}`);
      if (run < 0) return; // the warm-up: file cache, not timed
      times[index]!.push(wall);
      cpu[index]!.push(childrenCpuMs() - cpuBefore);
      out[index] = result.stdout + result.stderr;
    });
  }
  return commands.map((entry, index) => ({
    step: entry.step,
    medianMs: median(times[index]!),
    minMs: Math.min(...times[index]!),
    firstMs: times[index]![0]!,
    cpuMs: median(cpu[index]!),
    result: `max ${Math.max(...times[index]!).toFixed(0)} ms, ${out[index]!.length} bytes out`,
  }));
}
