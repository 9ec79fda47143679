import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generatePlan, type PlanFile } from './generate-plan.js';
import type { Measurement } from './measure.js';
import { childrenCpuMs, milestoneBin } from './processes.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';

/**
 * The read commands, measured as a person runs them: a whole `milestone` process per run
 * (start, module loading, store, output), on 1,000 and 10,000 tasks, beside Task Master's
 * `task-master list` on the same 1,000 tasks, and beside an older build of milestone when
 * `MILESTONE_BENCH_BASE` names one (a checkout with `dist/` built), all in one run, the two
 * builds' runs of a step interleaved (base, now, base, now ...):
 *
 *   MILESTONE_BENCH_BASE=~/.cache/milestone/base-96e518b npm run bench -- reads
 *
 * Task Master is looked for at `TASK_MASTER_BIN`, else in `~/.cache/milestone/peers` (installed
 * there, outside this repository's dependencies: `npm install --prefix ~/.cache/milestone/peers
 * task-master-ai`). Its runs are fewer (at most 3): one takes seconds.
 */
export const reads: BenchSection = {
  name: 'reads',
  title: 'Read commands: whole processes on 1,000 and 10,000 tasks, beside task-master list',
  run: ({ runs }) => readBench(runs),
};

const CLI = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

/** One milestone build under test: this checkout, or the older one of MILESTONE_BENCH_BASE. */
interface Build {
  label: string;
  cli: string;
  /** Its package.json `bin`: what `milestone --version` starts. */
  bin: string;
}

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@milestone.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@milestone.invalid',
  NO_COLOR: '1',
};

/** One command line to time: a full step name, and where it runs. */
interface Timed {
  step: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Times `runs` runs of each command line, interleaved (run i of every line before run i + 1 of
 * any: base and now alternate, so a shared machine's load weighs on both alike); each result
 * names its max and what it printed.
 */
function timeProcesses(runs: number, lines: readonly Timed[]): Array<Measurement & { maxMs: number }> {
  const times = lines.map((): number[] => []);
  const cpu = lines.map((): number[] => []);
  const out = lines.map(() => '');
  for (let run = 0; run < runs; run++) {
    lines.forEach((line, index) => {
      const cpuBefore = childrenCpuMs();
      const started = performance.now();
      const result = spawnSync(line.command, line.args, {
        cwd: line.cwd,
        env: line.env ?? ENV,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      });
      times[index]!.push(performance.now() - started);
      cpu[index]!.push(childrenCpuMs() - cpuBefore);
      if (result.status !== 0) {
        throw new Error(
          `${line.step}: ${line.command} ${line.args.join(' ')} exited ${result.status}: ${result.stderr}`,
        );
      }
      out[index] = result.stdout;
    });
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return lines.map((line, index) => {
    const sorted = [...times[index]!].sort((a, b) => a - b);
    const maxMs = sorted.at(-1)!;
    return {
      step: line.step,
      medianMs: median(times[index]!),
      minMs: sorted[0]!,
      firstMs: times[index]![0]!,
      cpuMs: median(cpu[index]!),
      maxMs,
      result: `max ${maxMs.toFixed(0)} ms, ${(out[index]!.length / 1024).toFixed(0)} KiB out`,
    };
  });
}

/** {@link timeProcesses} of one command line. */
function timeProcess(
  step: string,
  runs: number,
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = ENV,
): Measurement & { maxMs: number } {
  return timeProcesses(runs, [{ step, command, args, cwd, env }])[0]!;
}

function run(cli: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = ENV): string {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0)
    throw new Error(`milestone ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** A repository with `plan` planned from a JSON file by `build` (each build its own store). */
function plannedRepository(root: string, name: string, build: Build, planFile: PlanFile): string {
  const repo = benchRepository(join(root, name), 20);
  writeFileSync(join(repo, 'plan.json'), JSON.stringify(planFile));
  run(build.cli, ['init'], repo);
  run(build.cli, ['plan', '--from', 'plan.json'], repo);
  return repo;
}

/** The same tasks as Task Master's tasks.json (numeric ids, dependencies by id). */
function taskMasterTasks(planFile: PlanFile): object {
  const number = new Map(planFile.tasks.map((task, index) => [task.id, index + 1]));
  const tasks = planFile.tasks.map((task, index) => ({
    id: index + 1,
    title: task.title,
    description: `${task.phase}: ${task.title}`,
    details: task.run,
    testStrategy: '',
    status: 'pending',
    dependencies: task.needs.map((need) => number.get(need)!),
    priority: 'medium',
    subtasks: [],
  }));
  const now = new Date().toISOString();
  return { master: { tasks, metadata: { created: now, updated: now, description: planFile.milestone } } };
}

function taskMasterBin(): string | null {
  const candidates = [
    process.env.TASK_MASTER_BIN,
    join(homedir(), '.cache', 'milestone', 'peers', 'node_modules', '.bin', 'task-master'),
  ];
  return candidates.find((file): file is string => !!file && existsSync(file)) ?? null;
}

/** Starts `execute` of a planned 500-task milestone and resolves once tasks are running. */
async function startRun(build: Build, repo: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [build.cli, 'execute', '--mode', 'agents', '--concurrency', '4'], {
    cwd: repo,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  for (let tries = 0; tries < 600; tries++) {
    if (child.exitCode !== null) throw new Error(`execute ended early (${child.exitCode}): ${stderr}`);
    const status = JSON.parse(run(build.cli, ['status', '--json'], repo, env)) as {
      tasks: Array<{ status: string }>;
    };
    if (status.tasks.some((task) => task.status === 'succeeded')) return child;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error('execute did not land a task in 2 minutes');
}

async function stopRun(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const ended = new Promise((done) => child.once('exit', done));
  child.kill('SIGINT');
  await ended;
}

async function readBench(runs: number): Promise<Measurement[]> {
  const root = mkdtempSync(join(tmpdir(), 'milestone-bench-reads-'));
  const rows: Measurement[] = [];
  const builds: Build[] = [{ label: 'now', cli: CLI, bin: milestoneBin(resolve(CLI, '../../..')) }];
  const basePath = process.env.MILESTONE_BENCH_BASE;
  if (basePath)
    builds.unshift({
      label: 'base',
      cli: resolve(basePath, 'dist', 'cli', 'main.js'),
      bin: milestoneBin(resolve(basePath)),
    });
  try {
    const plan1k = generatePlan({ tasks: 1000, seed: 11 });
    const plan10k = generatePlan({ tasks: 10_000, seed: 11 });
    const plan2k = generatePlan({ tasks: 2000, seed: 11 });
    const plan500 = generatePlan({ tasks: 500, seed: 11 });
    for (const task of plan500.tasks) task.run = 'true';
    const statusRows = new Map<string, number>();

    // MILESTONE_BENCH_READS=during: only the rows measured during a run (quick to repeat).
    const onlyDuring = process.env.MILESTONE_BENCH_READS === 'during';
    const tm = onlyDuring ? null : taskMasterBin();
    let taskMasterMs: number | null = null;
    if (tm) {
      const repo = benchRepository(join(root, 'task-master'), 20);
      mkdirSync(join(repo, '.taskmaster', 'tasks'), { recursive: true });
      writeFileSync(
        join(repo, '.taskmaster', 'tasks', 'tasks.json'),
        JSON.stringify(taskMasterTasks(plan1k)),
      );
      spawnSync(tm, ['list'], { cwd: repo, env: ENV }); // warm the file cache once
      const row = timeProcess('task-master list, 1k tasks', Math.min(runs, 3), tm, ['list'], repo);
      taskMasterMs = row.medianMs;
      rows.push(row);
    } else if (!onlyDuring) {
      rows.push({
        step: 'task-master list, 1k tasks',
        medianMs: Number.NaN,
        minMs: Number.NaN,
        firstMs: Number.NaN,
        cpuMs: Number.NaN,
        result: 'not installed: npm install --prefix ~/.cache/milestone/peers task-master-ai',
      });
    }

    // Every build's fixtures first, then each step for every build, run by run (base, now, base,
    // now ...): on a shared machine the two rows of a step see the same load.
    const setups = (onlyDuring ? [] : builds).map((build) => ({
      build,
      repo1k: plannedRepository(root, `${build.label}-1k`, build, plan1k),
      repo10k: plannedRepository(root, `${build.label}-10k`, build, plan10k),
    }));
    type Setup = (typeof setups)[number];
    const cli = (step: string, args: string[], repo: (setup: Setup) => string) => (setup: Setup) => ({
      step: `${setup.build.label}: ${step}`,
      command: process.execPath,
      args: [setup.build.cli, ...args],
      cwd: repo(setup),
    });
    // The package's `bin` started as people start it: the file itself (its #! line), not `node bin`.
    const bin = (step: string, args: string[]) => (setup: Setup) => ({
      step: `${setup.build.label}: ${step}`,
      command: setup.build.bin,
      args,
      cwd: setup.repo1k,
    });
    const at1k = (setup: Setup) => setup.repo1k;
    const at10k = (setup: Setup) => setup.repo10k;
    const steps: Array<(setup: Setup) => Timed> = [
      bin('--version', ['--version']),
      bin('--help', ['--help']),
      cli('status --json, 1k tasks', ['status', '--json'], at1k),
      cli('list, 1k tasks', ['list'], at1k),
      cli('show --json, 1k tasks', ['show', '--json'], at1k),
      cli('status --json, 10k tasks', ['status', '--json'], at10k),
      cli('list, 10k tasks', ['list'], at10k),
    ];
    for (const line of steps) {
      const measured = timeProcesses(runs, setups.map(line));
      for (const [index, row] of measured.entries()) {
        const { build } = setups[index]!;
        if (row.step === `${build.label}: status --json, 1k tasks`) {
          statusRows.set(build.label, row.medianMs);
          if (taskMasterMs !== null)
            row.result += `; ${(taskMasterMs / row.medianMs).toFixed(1)}x faster than task-master list`;
        }
        rows.push(row);
      }
    }
    // plan --from of a 2,000-task JSON plan, warm: a fresh store each run (not timed), the builds
    // alternating run by run (base, now, base, now ...) as the steps above, so a drift of the
    // machine's load meets both rows alike.
    const planRepos = setups.map(({ build }) => {
      const repo = benchRepository(join(root, `${build.label}-plan`), 20);
      writeFileSync(join(repo, 'plan.json'), JSON.stringify(plan2k));
      return { build, repo, times: [] as Measurement[] };
    });
    const fresh = (repo: string) => rmSync(join(repo, '.milestones'), { recursive: true, force: true });
    for (const { build, repo } of planRepos) {
      fresh(repo);
      run(build.cli, ['plan', '--from', 'plan.json'], repo); // warm-up, not timed
    }
    // Through main.js (as in earlier runs), and as people run it: the package's `bin`.
    const planRows = planRepos.flatMap(({ build, repo }) => [
      { build, repo, via: '', command: process.execPath, args: [build.cli], times: [] as Measurement[] },
      { build, repo, via: ' (bin)', command: build.bin, args: [], times: [] as Measurement[] },
    ]);
    for (let i = 0; i < runs; i++)
      for (const { repo, command, args, times } of planRows) {
        fresh(repo);
        times.push(timeProcess('', 1, command, [...args, 'plan', '--from', 'plan.json'], repo));
      }
    for (const { build, via, times } of planRows) {
      const sorted = times.map((m) => m.medianMs).sort((a, b) => a - b);
      rows.push({
        step: `${build.label}: plan --from, 2k-task JSON (warm)${via}`,
        medianMs: sorted[Math.floor(sorted.length / 2)]!,
        minMs: sorted[0]!,
        firstMs: times[0]!.medianMs,
        cpuMs: times.map((m) => m.cpuMs).sort((a, b) => a - b)[Math.floor(runs / 2)]!,
        result: `max ${sorted.at(-1)!.toFixed(0)} ms`,
      });
    }

    // status while a 500-task milestone executes (agents, concurrency 4, tasks `true`). This
    // build twice: as configured (its run at `limits.nice` 10, the default) and with `nice: 0`,
    // the same code at the reader's priority, which isolates what the lower priority does.
    const during = [
      ...builds.map((build) => ({ build, label: build.label, nice: null as number | null })),
      ...builds
        .filter((build) => build.label === 'now')
        .map((build) => ({ build, label: 'now, limits.nice 0', nice: 0 })),
    ];
    for (const { build, label, nice } of during) {
      const runRepo = plannedRepository(root, `${label.replaceAll(/[^a-z0-9]+/g, '-')}-run`, build, plan500);
      if (nice !== null) {
        const file = join(runRepo, '.milestones', 'config.yaml');
        const config = readFileSync(file, 'utf8');
        if (!/^ {2}nice: 10\b/m.test(config)) throw new Error(`no limits.nice in ${file}`);
        writeFileSync(file, config.replace(/^ {2}nice: 10\b/m, `  nice: ${nice}`));
      }
      const env = { ...ENV, XDG_STATE_HOME: join(root, `${label.replaceAll(/[^a-z0-9]+/g, '-')}-state`) };
      const child = await startRun(build, runRepo, env);
      const landed = () =>
        (
          JSON.parse(run(build.cli, ['status', '--json'], runRepo, env)) as {
            tasks: Array<{ merged: boolean }>;
          }
        ).tasks.filter((task) => task.merged).length;
      try {
        const landedBefore = landed();
        const startedAt = performance.now();
        // Through main.js (as the other rows), and as people run it: the package's `bin`.
        const [viaMain, viaBin] = timeProcesses(runs, [
          {
            step: `${label}: status --json during a 500-task run`,
            command: process.execPath,
            args: [build.cli, 'status', '--json'],
            cwd: runRepo,
            env,
          },
          {
            step: `${label}: milestone status --json (bin) during the run`,
            command: build.bin,
            args: ['status', '--json'],
            cwd: runRepo,
            env,
          },
        ]);
        const landedAfter = landed();
        const rate = (landedAfter - landedBefore) / ((performance.now() - startedAt) / 1000);
        viaMain!.result += `; ${landedAfter} tasks landed when measured, ${rate.toFixed(1)} landings/s meanwhile`;
        rows.push(viaMain!, viaBin!);
      } finally {
        await stopRun(child);
      }
    }
    const base = statusRows.get('base');
    const now = statusRows.get('now');
    if (base !== undefined && now !== undefined) {
      const last = rows.find((row) => row.step === 'now: status --json, 1k tasks');
      if (last) last.result += `; ${(base / now).toFixed(1)}x faster than base`;
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
