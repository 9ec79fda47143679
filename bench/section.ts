import type { Measurement } from './measure.js';

/** Options every bench section receives from `bench/run.ts`. */
export interface BenchOptions {
  /** Timed runs per step (the median is reported). */
  runs: number;
}

/** One bench section: a file under `bench/`, registered in `bench/run.ts`. */
export interface BenchSection {
  /** What selects it on the command line: `npm run bench -- <name>`. */
  name: string;
  /** Heading of its table. */
  title: string;
  run(options: BenchOptions): Measurement[] | Promise<Measurement[]>;
}
