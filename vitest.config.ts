import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The end-to-end scale test (2,000 tasks, about 2 minutes quiet) runs here too;
    // `npm run test:scale` runs it alone.
    exclude: configDefaults.exclude,
    // Tests that spawn the CLI run dist/: rebuilt first when src/ is newer.
    globalSetup: ['test/helpers/build-dist.ts'],
    setupFiles: ['test/helpers/yield-between-tests.ts'],
    // One limit for every test, set here only (no per-test limits): tests wait on output and
    // events, so a limit only decides how long a genuine hang takes to report. On a 2-core machine
    // shared with other CPU-heavy jobs a real run of the CLI takes minutes (a test that took 30 s
    // quiet took 160 s beside two busy loops and other builds), so the limit is far above that.
    testTimeout: 900_000,
    hookTimeout: 900_000,
    // Closing workers (and their Redis servers, coordinators) may wait for a starved CPU too.
    teardownTimeout: 120_000,
    // Tests spawn real git and node processes: separate processes (forks), not threads, so a
    // worker's child processes and signals stay its own; two workers for two cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
