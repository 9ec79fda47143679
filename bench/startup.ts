import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { milestoneBin, type ProcessCommand, timeProcesses } from './processes.js';
import type { BenchSection } from './section.js';

/**
 * How long `milestone --version` and `--help` take, as whole processes started the way the
 * installed command starts (the package.json `bin` itself, through its `#!` line), beside node's own start
 * (the floor: `node -e ''` and an empty ES module) and, when `MILESTONE_BENCH_BASE` names an
 * older checkout with `dist/` built, beside that build, all interleaved in one run:
 *
 *   MILESTONE_BENCH_BASE=~/.cache/milestone/base-d55083a npm run bench -- startup --runs 21
 *
 * `status --help` loads commander (subcommand help is commander's): the cost the quick answers
 * avoid. At least 15 runs per row: one run is about 100 ms, so a few would be mostly noise.
 */
export const startup: BenchSection = {
  name: 'startup',
  title: 'Start: --version and --help as whole processes, beside node itself',
  run: ({ runs }) => startupBench(Math.max(15, runs)),
};

const CHECKOUT = resolve(import.meta.dirname, '..');

function startupBench(runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'milestone-bench-startup-'));
  try {
    writeFileSync(join(dir, 'empty.mjs'), '');
    writeFileSync(join(dir, 'empty.cjs'), '');
    const node = process.execPath;
    const builds = [{ label: 'now', cli: milestoneBin(CHECKOUT) }];
    const base = process.env.MILESTONE_BENCH_BASE;
    if (base) builds.unshift({ label: 'base', cli: milestoneBin(resolve(base)) });
    const commands: ProcessCommand[] = [
      { step: "node -e ''", command: node, args: ['-e', ''] },
      { step: 'node empty.mjs', command: node, args: [join(dir, 'empty.mjs')] },
      // The bin is a CommonJS file: its floor is an empty one.
      { step: 'node empty.cjs', command: node, args: [join(dir, 'empty.cjs')] },
      // What the environment's extra CA bundle costs every node process (parsed at its start).
      ...(process.env.NODE_EXTRA_CA_CERTS
        ? [
            {
              step: "env -u NODE_EXTRA_CA_CERTS node -e ''",
              command: 'env',
              args: ['-u', 'NODE_EXTRA_CA_CERTS', node, '-e', ''],
            },
          ]
        : []),
      ...builds.flatMap(({ label, cli }): ProcessCommand[] => [
        { step: `${label}: --version`, command: cli, args: ['--version'] },
        { step: `${label}: --help`, command: cli, args: ['--help'] },
        { step: `${label}: (no arguments)`, command: cli, args: [], exitCode: 2 },
        { step: `${label}: status --help`, command: cli, args: ['status', '--help'] },
        // The bin's own file as `node FILE`: node's start without the bin's sh (which the rows
        // above pay, and with it may start node without the CA bundle: bin/milestone.cjs).
        { step: `${label}: node <bin> --version`, command: node, args: [cli, '--version'] },
      ]),
    ];
    return timeProcesses(commands, runs, { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
