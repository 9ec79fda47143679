/** One measured step of a bench section. */
export interface Measurement {
  step: string;
  /** Median wall time over the runs, in milliseconds. */
  medianMs: number;
  /** Fastest run, in milliseconds. */
  minMs: number;
  /** First run (cold JIT), in milliseconds. */
  firstMs: number;
  /**
   * Median CPU time (user + system, all threads of the process) over the runs: steadier than
   * wall time on a shared machine, though it counts the GC's helper threads too.
   */
  cpuMs: number;
  /** What the step produced, for the reader to sanity-check. */
  result: string;
}

/** Runs `work` `runs` times and keeps the timings and a summary of its last result. */
export function measure<T>(
  step: string,
  runs: number,
  work: () => T,
  describe: (value: T) => string,
): Measurement {
  const times: number[] = [];
  const cpu: number[] = [];
  let value: T | undefined;
  for (let run = 0; run < runs; run++) {
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    value = work();
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return summarize(step, times, cpu, describe(value as T));
}

/** Like {@link measure}, for asynchronous work. */
export async function measureAsync<T>(
  step: string,
  runs: number,
  work: () => Promise<T>,
  describe: (value: T) => string,
): Promise<Measurement> {
  const times: number[] = [];
  const cpu: number[] = [];
  let value: T | undefined;
  for (let run = 0; run < runs; run++) {
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    value = await work();
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return summarize(step, times, cpu, describe(value as T));
}

function summarize(step: string, times: number[], cpu: number[], result: string): Measurement {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    step,
    medianMs: median(times),
    minMs: Math.min(...times),
    firstMs: times[0]!,
    cpuMs: median(cpu),
    result,
  };
}

/** A plain-text table of measurements, aligned for a terminal or a Markdown code block. */
export function formatTable(rows: readonly Measurement[]): string {
  const header = ['step', 'median ms', 'min ms', 'first ms', 'cpu ms', 'result'];
  const cells = rows.map((row) => [
    row.step,
    row.medianMs.toFixed(1),
    row.minMs.toFixed(1),
    row.firstMs.toFixed(1),
    row.cpuMs.toFixed(1),
    row.result,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => cell[column]!.length)),
  );
  const line = (cell: string[]) =>
    cell
      .map((text, column) =>
        column >= 1 && column <= 4 ? text.padStart(widths[column]!) : text.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/** A step measured once (a whole run is long): its one value in every time column, no CPU. */
export function singleRun(step: string, ms: number, result: string): Measurement {
  return { step, medianMs: ms, minMs: ms, firstMs: ms, cpuMs: 0, result };
}
