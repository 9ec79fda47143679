import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runProgram } from '../../src/cli/program.js';
import { parseQuickPlan, quickPlan } from '../../src/cli/quick-plan.js';
import { recordingIo } from '../../src/io/io.js';
import { type CliResult, GIT_ENV, gitRepo, runFile } from '../helpers/git-repo.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.cjs');

describe('the plan command lines answered without commander', () => {
  it('takes plan --from FILE with --id and --json, in any order', () => {
    expect(parseQuickPlan(['plan', '--from', 'plan.json'])).toEqual({
      from: 'plan.json',
      id: undefined,
      json: false,
    });
    expect(parseQuickPlan(['plan', '--json', '--id', 'm1', '--from', 'p.yaml'])).toEqual({
      from: 'p.yaml',
      id: 'm1',
      json: true,
    });
    // An id the program would refuse still goes to the command, which refuses it the same way.
    expect(parseQuickPlan(['plan', '--from', 'p.json', '--id', 'BAD/ID'])?.id).toBe('BAD/ID');
  });

  it('leaves every other spelling to commander (its parsing, its messages)', () => {
    for (const argv of [
      ['plan'],
      ['plan', 'A title'],
      ['plan', '--id', 'm1'],
      ['plan', 'A title', '--from', 'plan.json'],
      ['plan', '--from=plan.json'],
      ['plan', '--from'],
      ['plan', '--from', ''],
      ['plan', '--from', '-x.json'],
      ['plan', '--from', 'a.json', '--from', 'b.json'],
      ['plan', '--from', 'a.json', '--id', 'x', '--id', 'y'],
      ['plan', '--from', 'a.json', '--json', '--json'],
      ['plan', '--from', 'a.json', '--replace'],
      ['plan', '--from', 'a.json', '--mode', 'direct'],
      ['plan', '--from', 'a.json', '--help'],
      ['plan', '--from', 'a.json', '--'],
      ['status', '--from', 'a.json'],
      ['validate', 'plan.json'],
    ]) {
      expect(parseQuickPlan(argv), argv.join(' ')).toBeNull();
    }
  });
});

/** What one path printed, as processIo writes it (each chunk with one line end). */
function printed(io: ReturnType<typeof recordingIo>, code: number | null): CliResult {
  const text = (chunks: string[]) => chunks.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('');
  return { code: code ?? -1, stdout: text(io.stdout), stderr: text(io.stderr) };
}

/** `plan --json` reports the analyses' wall time: the one figure that differs between runs. */
function withoutTimings(result: CliResult): CliResult {
  return { ...result, stdout: result.stdout.replace(/"analysisMs": [0-9.e+-]+/g, '"analysisMs": 0') };
}

describe('plan --from without commander prints and stores what the program does', () => {
  it('for a new plan, --id and --json, a plan that exists, a missing file and an invalid plan', async () => {
    const repo = await gitRepo({ files: { 'src/a/one.ts': 'export {};\n' } });
    const plan = {
      version: 1,
      milestone: 'Quick plan',
      id: 'quick',
      tasks: [
        { id: 'a', title: 'A', run: 'true', files: ['src/a/**'] },
        { id: 'b', title: 'B', run: 'true', needs: ['a'], files: ['src/a/one.ts'], estimate: '1h' },
        { id: 'c', title: 'C', run: 'true', files: ['src/a/one.ts'] },
      ],
    };
    writeFileSync(join(repo, 'plan.json'), JSON.stringify(plan));
    writeFileSync(
      join(repo, 'bad.json'),
      JSON.stringify({ version: 1, milestone: 'B', tasks: [{ id: 'a' }] }),
    );
    // Each line on a fresh `.milestones/` except "exists", which runs after the first line.
    const lines: Array<{ argv: string[]; fresh: boolean }> = [
      { argv: ['plan', '--from', 'plan.json'], fresh: true },
      { argv: ['plan', '--from', 'plan.json'], fresh: false },
      { argv: ['plan', '--json', '--from', 'plan.json', '--id', 'other'], fresh: true },
      { argv: ['plan', '--from', 'missing.json'], fresh: true },
      { argv: ['plan', '--from', 'bad.json'], fresh: true },
    ];
    const reset = () => rmSync(join(repo, '.milestones'), { recursive: true, force: true });
    const results: CliResult[] = [];
    for (const { argv, fresh } of lines) {
      if (fresh) reset();
      const viaProgram = recordingIo();
      const full = withoutTimings(printed(viaProgram, await runProgram([...argv], viaProgram, repo)));
      if (fresh) reset();
      else {
        reset();
        await runProgram(['plan', '--from', 'plan.json'], recordingIo(), repo);
      }
      const viaQuick = recordingIo();
      const quick = withoutTimings(printed(viaQuick, await quickPlan(argv, viaQuick, repo)));
      expect(quick, argv.join(' ')).toEqual(full);
      results.push(full);
    }
    expect(results[0]).toMatchObject({ code: 0, stderr: '' });
    expect(results[0]!.stdout).toContain('planned quick: Quick plan (3 tasks, from milestone-json)');
    expect(results[1]!.code).toBe(2);
    expect(results[1]!.stderr).toContain('milestone "quick" already exists');
    expect(JSON.parse(results[2]!.stdout)).toMatchObject({ plan: { id: 'other' } });
    expect(results[3]!.code).toBe(2);
    expect(results[4]!.code).toBe(2);
    expect(results[4]!.stderr).toContain('a task needs a `title`');

    // `main` (what bin.cjs and the library run) takes the quick path, and so does the installed
    // command, a real process: the same bytes.
    reset();
    const io = recordingIo();
    expect(printed(io, await main(['plan', '--from', 'plan.json'], io, repo))).toEqual(results[0]);
    reset();
    // With the planning analyses on a worker thread (as on a machine with a spare core).
    const process = await runFile(globalThis.process.execPath, [BIN, 'plan', '--from', 'plan.json'], repo, {
      ...GIT_ENV,
      NO_COLOR: '1',
      MILESTONE_PLAN_THREAD: 'on',
    });
    expect(process).toEqual(results[0]);
    // The planning analyses in the main thread instead of a worker thread: the same bytes.
    reset();
    const inMainThread = await runFile(
      globalThis.process.execPath,
      [BIN, 'plan', '--from', 'plan.json'],
      repo,
      { ...GIT_ENV, NO_COLOR: '1', MILESTONE_PLAN_THREAD: 'off' },
    );
    expect(inMainThread).toEqual(results[0]);
  });
});
