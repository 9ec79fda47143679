import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The end-to-end scale test (2,000 tasks, tens of minutes) runs with `npm run test:scale`.
    exclude: process.env.MILESTONE_SCALE_TEST ? configDefaults.exclude : [...configDefaults.exclude, 'test/**/*.scale.test.ts'],
    // Tests that spawn the CLI run dist/: rebuilt first when src/ is newer.
    globalSetup: ['test/helpers/build-dist.ts'],
    setupFiles: ['test/helpers/yield-between-tests.ts'],
    // Generous: on a loaded 2-core machine a real run takes minutes; tests wait on output, so a
    // limit only decides how long a genuine hang takes to report.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Tests spawn real git and node processes; two cores are the norm here.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
