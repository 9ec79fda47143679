import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/cli/program.js';
import { recordingIo } from '../../src/io/io.js';
import { type CliResult, GIT_ENV, gitRepo, runFile, tempDir } from '../helpers/git-repo.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.cjs');
const SCRIPT = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'plan-script.cjs');

/** `plan --json` reports the analyses' wall time: the one figure that differs between runs. */
function withoutTimings(result: CliResult): CliResult {
  return { ...result, stdout: result.stdout.replace(/"analysisMs": [0-9.e+-]+/g, '"analysisMs": 0') };
}

describe('plan --from runs from the plan script (dist/cli/plan-script.cjs) with V8 code cache', () => {
  it('prints what the program does, refusals included, and keeps its code cache', async () => {
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
    // The installed command: `plan --from` through the plan script.
    const run = async (argv: string[]) =>
      withoutTimings(
        await runFile(process.execPath, [BIN, ...argv], repo, {
          ...GIT_ENV,
          NO_COLOR: '1',
          XDG_CACHE_HOME: cache,
        }),
      );
    // The commander program, in this process from the sources (no script): the reference.
    const program = async (argv: string[]) => {
      const io = recordingIo();
      const code = await runProgram([...argv], io, repo);
      const text = (chunks: string[]) => chunks.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('');
      return withoutTimings({ code, stdout: text(io.stdout), stderr: text(io.stderr) });
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
      const reference = await program(argv);
      reset();
      expect(await run(argv), argv.join(' ')).toEqual(reference);
    }
    expect(existsSync(SCRIPT)).toBe(true);
    // The milestone exists now (the last run stored it): refused alike, exit code 2.
    await run(['plan', '--from', 'plan.json']);
    const exists = await run(['plan', '--from', 'plan.json']);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain('milestone "script" already exists');
    expect(exists).toEqual(await program(['plan', '--from', 'plan.json']));

    // The first run wrote the cache; later runs took it (the file is not written again).
    expect(cacheFiles()).toHaveLength(1);
    const file = join(cache, 'milestone', cacheFiles()[0]!);
    const written = statSync(file).mtimeMs;
    reset();
    const again = await run(['plan', '--from', 'plan.json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('planned script: Script plan (2 tasks, from milestone-json)');
    expect(statSync(file).mtimeMs).toBe(written);
  });
});
