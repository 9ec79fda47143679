/**
 * A serialized queue: jobs run one at a time, in arrival order, whatever their callers await.
 * Merges go through it so that each merge sees the branch the previous one left; the
 * compare-and-swap in `mergeInto` protects against writers outside this process.
 */
export interface SerialQueue {
  run<T>(job: () => Promise<T>): Promise<T>;
  /** Resolves once every queued job has settled. */
  drain(): Promise<void>;
}

export function serialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      const result = tail.then(job, job);
      tail = result.catch(() => undefined);
      return result;
    },
    drain: () => tail.then(() => undefined),
  };
}
