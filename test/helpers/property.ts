/**
 * Settings for every fast-check property: a fixed seed, so CI runs the same cases each time and
 * a failure reproduces; a time budget, so a loaded machine runs fewer cases instead of timing
 * out. `FC_SEED` and `FC_RUNS` explore further locally (`FC_SEED=$RANDOM npx vitest run ...`).
 */
export function propertySettings(numRuns: number): {
  seed: number;
  numRuns: number;
  interruptAfterTimeLimit: number;
} {
  return {
    seed: Number(process.env.FC_SEED ?? 20261201),
    numRuns: Number(process.env.FC_RUNS ?? numRuns),
    interruptAfterTimeLimit: 15_000,
  };
}
