/** One probe of a bisection: the prefix length tried and whether it passed. */
export interface BisectStep {
  /** How many of the batch's landings the probed tree holds (1..n). */
  prefix: number;
  ok: boolean;
}

/** What a bisection found: the 1-based position of the first landing that fails, and the probes. */
export interface BisectResult {
  culprit: number;
  steps: BisectStep[];
}

/**
 * Finds the first of `n` landings after which `passes(prefix)` is false, knowing that no
 * landing passes (the checked tree) and all `n` fail: binary search, ceil(log2 n) probes.
 * `passes` checks the tree holding the first `prefix` landings (0 < prefix < n).
 */
export async function bisectLandings(
  n: number,
  passes: (prefix: number) => Promise<boolean>,
): Promise<BisectResult> {
  // Invariant: the tree with `good` landings passes, the one with `bad` fails.
  let good = 0;
  let bad = n;
  const steps: BisectStep[] = [];
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    const ok = await passes(mid);
    steps.push({ prefix: mid, ok });
    if (ok) good = mid;
    else bad = mid;
  }
  return { culprit: bad, steps };
}
