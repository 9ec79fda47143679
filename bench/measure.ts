/** One measured step of a bench section. */
export interface Measurement {
  step: string;
  /** Median wall time over the runs, in milliseconds. */
  medianMs: number;
  /** Fastest run, in milliseconds. */
  minMs: number;
  /** First run (cold JIT), in milliseconds. */
  firstMs: number;
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
  let value: T | undefined;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    value = work();
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    step,
    medianMs: sorted[Math.floor(sorted.length / 2)]!,
    minMs: sorted[0]!,
    firstMs: times[0]!,
    result: describe(value as T),
  };
}

/** A plain-text table of measurements, aligned for a terminal or a Markdown code block. */
export function formatTable(rows: readonly Measurement[]): string {
  const header = ['step', 'median ms', 'min ms', 'first ms', 'result'];
  const cells = rows.map((row) => [
    row.step,
    row.medianMs.toFixed(1),
    row.minMs.toFixed(1),
    row.firstMs.toFixed(1),
    row.result,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => cell[column]!.length)),
  );
  const line = (cell: string[]) =>
    cell
      .map((text, column) =>
        column >= 1 && column <= 3 ? text.padStart(widths[column]!) : text.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
