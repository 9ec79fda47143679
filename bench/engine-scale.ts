import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Measurement } from './measure.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';

/**
 * Engine at scale: `execute --mode agents --concurrency 4` of 100, 1,000 and 5,000 no-op shell
 * tasks (`echo > file`), each run as its own CLI process under `/usr/bin/time`, so the CPU counts
 * the coordinator and every git and shell child it waited for. Sizes and repetitions:
 * `MILESTONE_BENCH_SCALE=100,1000` and `MILESTONE_BENCH_SCALE_RUNS=3` (default: 100,1000,5000 and
 * the `--runs` of the bench). `MILESTONE_BENCH_BASELINE=<dir>` also runs another build of
 * milestone (a checkout whose `dist/` is built) on the same milestones, row by row, for a
 * before/after comparison in one run. `MILESTONE_BENCH_SCALE_LAYOUTS=flat,folders` adds rows where
 * each task writes its file into one of 64 folders (`d<i % 64>/out-<i>.txt`) instead of the
 * repository's root: the default `flat` layout makes every landing rewrite one ever-growing root
 * folder, which the `folders` rows, labelled, leave out. `MILESTONE_BENCH_NODE_ARGS` (space-separated)
 * goes to the `execute` process's node, e.g. `--cpu-prof --cpu-prof-dir=DIR` for a profile of the
 * coordinator (node refuses `--cpu-prof` in `NODE_OPTIONS`).
 */
export const engineScale: BenchSection = {
  name: 'engine-scale',
  title: 'engine at scale (no-op tasks, agents x4, whole process incl. git children)',
  async run({ runs }) {
    const sizes = (process.env.MILESTONE_BENCH_SCALE ?? '100,1000,5000').split(',').map(Number);
    const repetitions = Number(process.env.MILESTONE_BENCH_SCALE_RUNS ?? runs);
    const builds: Array<{ label: string; cli: string }> = [];
    const baseline = process.env.MILESTONE_BENCH_BASELINE;
    if (baseline) builds.push({ label: 'before', cli: join(resolve(baseline), 'dist/cli/main.js') });
    builds.push({ label: baseline ? 'after' : 'this build', cli: resolve('dist/cli/main.js') });
    const layouts = (process.env.MILESTONE_BENCH_SCALE_LAYOUTS ?? 'flat').split(',') as Layout[];
    const rows: Measurement[] = [];
    for (const layout of layouts)
      for (const size of sizes) {
        // Builds alternate run by run, so a change in the machine's load hits both alike.
        const samples = builds.map((): Sample[] => []);
        for (let run = 0; run < repetitions; run++) {
          for (const [i, build] of builds.entries()) {
            const sample = await executeNoOps(build.cli, size, layout);
            samples[i]!.push(sample);
            // A 5,000-task run takes minutes: each sample on stderr as it ends (the table comes last).
            process.stderr.write(
              `engine-scale: ${build.label}, ${size} tasks, ${layout}: cpu ${(sample.cpuMs / size).toFixed(1)} ms/task, wall ${(sample.wallMs / 1000).toFixed(1)} s (${new Date().toISOString()})\n`,
            );
          }
        }
        const label = layout === 'flat' ? '' : ' (files in 64 folders)';
        for (const [i, build] of builds.entries())
          rows.push(
            summarize(
              `${build.label}: ${size.toLocaleString('en-US')} no-op tasks${label}`,
              samples[i]!,
              size,
            ),
          );
      }
    return rows;
  },
};

/** Where each task writes its file: the repository's root, or one of 64 folders. */
type Layout = 'flat' | 'folders';

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** One fresh 50-file repository, a plan of `size` no-op tasks (files laid out by `layout`), then one timed `execute`. */
async function executeNoOps(cli: string, size: number, layout: Layout): Promise<Sample> {
  const root = mkdtempSync(join(tmpdir(), 'milestone-bench-scale-'));
  try {
    const repo = benchRepository(join(root, 'repo'), 50);
    // The folders exist from the start (a `.keep` each): the tasks' command stays one `echo`.
    if (layout === 'folders') {
      for (let d = 0; d < 64; d++) {
        mkdirSync(join(repo, `d${d}`), { recursive: true });
        writeFileSync(join(repo, `d${d}`, '.keep'), '');
      }
      execFileSync('git', ['add', '-A'], { cwd: repo, stdio: 'pipe' });
      execFileSync('git', ['commit', '-q', '-m', 'folders'], { cwd: repo, stdio: 'pipe' });
    }
    const tasks = Array.from({ length: size }, (_, i) => ({
      id: `t${i}`,
      title: `no-op ${i}`,
      run: layout === 'flat' ? `echo ${i} > out-${i}.txt` : `echo ${i} > d${i % 64}/out-${i}.txt`,
    }));
    writeFileSync(
      join(repo, 'plan.json'),
      JSON.stringify({ version: 1, milestone: 'scale', id: 'scale', defaults: { retries: 0 }, tasks }),
    );
    const env = { XDG_STATE_HOME: join(root, 'state') };
    await timed(cli, repo, env, ['plan', '--from', 'plan.json']);
    const nodeArgs = (process.env.MILESTONE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const sample = await timed(
      cli,
      repo,
      env,
      ['execute', 'scale', '--mode', 'agents', '--concurrency', '4'],
      nodeArgs,
    );
    return sample;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs the CLI under `/usr/bin/time`: wall and user+system CPU of it and its waited-for children. */
function timed(
  cli: string,
  cwd: string,
  env: Record<string, string>,
  args: string[],
  nodeArgs: string[] = [],
): Promise<Sample> {
  return new Promise((done, fail) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', '@@time %e %U %S', process.execPath, ...nodeArgs, cli, ...args],
      {
        cwd,
        env: { ...process.env, NO_COLOR: '1', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const match = /@@time ([\d.]+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !match) {
        fail(new Error(`milestone ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      done({ wallMs: Number(match[1]) * 1000, cpuMs: (Number(match[2]) + Number(match[3])) * 1000 });
    });
  });
}

function summarize(step: string, samples: Sample[], size: number): Measurement {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const wall = samples.map((s) => s.wallMs);
  const cpu = samples.map((s) => s.cpuMs);
  const perTaskCpu = cpu.map((c) => c / size);
  const perTaskWall = wall.map((w) => w / size);
  const landings = wall.map((w) => (size * 1000) / w);
  const range = (values: number[], digits: number) =>
    `${median(values).toFixed(digits)} [${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}]`;
  return {
    step,
    medianMs: median(wall),
    minMs: Math.min(...wall),
    firstMs: wall[0]!,
    cpuMs: median(cpu),
    result: `per task: cpu ${range(perTaskCpu, 1)} ms, wall ${range(perTaskWall, 1)} ms; landings/s ${range(landings, 1)} (median [min-max] of ${samples.length})`,
  };
}
