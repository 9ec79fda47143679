import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runProgram } from '../../src/cli/program.js';
import { quickRead } from '../../src/cli/quick-read.js';
import { recordingIo } from '../../src/io/io.js';
import { type CliResult, runFile, tempDir } from '../helpers/git-repo.js';
import { exited, type MilestoneRepo, milestoneRepo } from '../helpers/milestone-repo.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.cjs');

/** The read command lines compared, bad input included. */
const LINES = [
  ['status'],
  ['status', '--json'],
  ['status', 'reads', '--json'],
  ['list'],
  ['list', '--json'],
  ['show', '--json'],
  ['show', 'reads'],
  ['status', 'nope'],
  ['show', 'nope', '--json'],
  ['status', 'Bad_Id!'],
];

/** What one path printed, as processIo writes it (each chunk with one line end). */
function printed(io: ReturnType<typeof recordingIo>, code: number | null): CliResult {
  const text = (chunks: string[]) => chunks.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('');
  return { code: code ?? -1, stdout: text(io.stdout), stderr: text(io.stderr) };
}

/**
 * For every line: the quick path (no commander) prints the same bytes with the same exit code as
 * the commander program, in-process, and the installed `milestone` command (a real process,
 * started as users start it) prints them too.
 */
async function expectSameOutput(repo: MilestoneRepo): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const argv of LINES) {
    const viaProgram = recordingIo();
    const full = printed(viaProgram, await runProgram([...argv], viaProgram, repo.root));
    const viaQuick = recordingIo();
    const quick = printed(viaQuick, await quickRead(argv, viaQuick, repo.root));
    expect(quick, argv.join(' ')).toEqual(full);
    const process = await runFile(globalThis.process.execPath, [BIN, ...argv], repo.root, {
      NO_COLOR: '1',
      ...repo.env,
    });
    expect(process, argv.join(' ')).toEqual(full);
    results.push(full);
  }
  return results;
}

describe('status, list and show without commander print exactly what the program prints', () => {
  it('on a milestone whose coordinator died mid-run, then once it finished; bad ids alike (exit 2)', async () => {
    const repo = await milestoneRepo();
    // The worktree root the in-process runs compute must be the processes' (repo.env).
    const saved = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = repo.env.XDG_STATE_HOME;
    try {
      const gate = join(tempDir(), 'open');
      await repo.plan({
        version: 1,
        milestone: 'Reads',
        id: 'reads',
        tasks: [
          { id: 'a', title: 'A', run: 'echo a > a.txt', files: ['a.txt'] },
          {
            id: 'b',
            title: 'B',
            needs: ['a'],
            files: ['b.txt'],
            run: `while [ ! -f '${gate}' ]; do sleep 0.05; done; echo b > b.txt`,
          },
          { id: 'c', title: 'C', needs: ['b'], run: 'echo c > c.txt', files: ['c.txt'] },
        ],
      });
      const child = repo.spawn(['execute', 'reads', '--mode', 'agents', '--concurrency', '2']);
      for (;;) {
        const status = await repo.status('reads');
        const byId = new Map(status.tasks.map((t) => [t.id, t]));
        if (byId.get('a')?.merged && byId.get('b')?.status === 'running') break;
        if (child.exitCode !== null) throw new Error(`execute ended: ${child.output().stderr}`);
        await sleep(100);
      }
      child.kill('SIGKILL');
      await exited(child);

      const midRun = await expectSameOutput(repo);
      expect(midRun[0]!.stdout).toContain('is gone: run `milestone execute reads` to resume');
      expect(midRun[7]).toMatchObject({ code: 2, stdout: '' });
      expect(midRun[7]!.stderr).toContain('no milestone "nope" (known: reads)');
      expect(midRun[9]).toMatchObject({ code: 2, stdout: '' });

      writeFileSync(gate, '');
      const resumed = await repo.run(['execute', 'reads']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const finished = await expectSameOutput(repo);
      expect(JSON.parse(finished[1]!.stdout)).toMatchObject({ status: 'completed' });
      // `main` (what bin.cjs and the library run) takes the quick path for these lines.
      const io = recordingIo();
      expect(printed(io, await main(['status', '--json'], io, repo.root))).toEqual(finished[1]);
    } finally {
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    }
  });

  it('outside a repository, and where nothing was planned: the same refusals', async () => {
    const outside = tempDir();
    const repo = await milestoneRepo();
    for (const cwd of [outside, repo.root]) {
      for (const argv of [['status', '--json'], ['list'], ['show']]) {
        const viaProgram = recordingIo();
        const full = printed(viaProgram, await runProgram([...argv], viaProgram, cwd));
        const viaQuick = recordingIo();
        expect(printed(viaQuick, await quickRead(argv, viaQuick, cwd)), `${cwd} ${argv}`).toEqual(full);
      }
    }
  });
});
