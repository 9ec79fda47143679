import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, GIT_ENV, gitRepo, runFile, tempDir } from '../helpers/git-repo.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.cjs');
const SCRIPT = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'plan-script.cjs');

/** `plan --json` reports the analyses' wall time: the one figure that differs between runs. */
function withoutTimings(result: CliResult): CliResult {
  return { ...result, stdout: result.stdout.replace(/"analysisMs": [0-9.e+-]+/g, '"analysisMs": 0') };
}

describe('plan --from runs from the plan script (dist/cli/plan-script.cjs) with V8 code cache', () => {
  it('prints and stores what the ES module bundle does, refusals included, and keeps its code cache', async () => {
    const repo = await gitRepo({ files: { 'src/a/one.ts': 'export {};\n' } });
    writeFileSync(
      join(repo, 'plan.json'),
      JSON.stringify({
        version: 1,
        milestone: 'Script plan',
        id: 'script',
        tasks: [
          { id: 'a', title: 'A', run: 'true', files: ['src/a/**'] },
          { id: 'b', title: 'B', run: 'true', needs: ['a'], files: ['src/a/one.ts'], estimate: '1h' },
        ],
      }),
    );
    writeFileSync(
      join(repo, 'bad.json'),
      JSON.stringify({ version: 1, milestone: 'B', tasks: [{ id: 'a' }] }),
    );
    const cache = tempDir();
    const run = async (argv: string[], script: boolean) => {
      // Without the script (renamed away for this run) the ES module bundle runs, as from source.
      const aside = `${SCRIPT}.aside-${process.pid}`;
      if (!script) await import('node:fs').then((fs) => fs.renameSync(SCRIPT, aside));
      try {
        return withoutTimings(
          await runFile(process.execPath, [BIN, ...argv], repo, {
            ...GIT_ENV,
            NO_COLOR: '1',
            XDG_CACHE_HOME: cache,
          }),
        );
      } finally {
        if (!script) await import('node:fs').then((fs) => fs.renameSync(aside, SCRIPT));
      }
    };
    const reset = () => rmSync(join(repo, '.milestones'), { recursive: true, force: true });
    const cacheFiles = () =>
      readdirSync(join(cache, 'milestone')).filter((name) => name.startsWith('plan-script-'));

    const lines = [
      ['plan', '--from', 'plan.json'],
      ['plan', '--from', 'plan.json', '--json', '--id', 'other'],
      ['plan', '--from', 'bad.json'],
    ];
    for (const argv of lines) {
      reset();
      const bundle = await run(argv, false);
      reset();
      const script = await run(argv, true);
      expect(script, argv.join(' ')).toEqual(bundle);
    }
    // The milestone exists now (the last run stored it): refused alike, exit code 2.
    await run(['plan', '--from', 'plan.json'], true);
    const exists = await run(['plan', '--from', 'plan.json'], true);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain('milestone "script" already exists');
    expect(await run(['plan', '--from', 'plan.json'], false)).toEqual(exists);

    // The first run wrote the cache; later runs took it (the file is not written again).
    expect(cacheFiles()).toHaveLength(1);
    const file = join(cache, 'milestone', cacheFiles()[0]!);
    const written = statSync(file).mtimeMs;
    reset();
    const again = await run(['plan', '--from', 'plan.json'], true);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('planned script: Script plan (2 tasks, from milestone-json)');
    expect(statSync(file).mtimeMs).toBe(written);
  });
});
