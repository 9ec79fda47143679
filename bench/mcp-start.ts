import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Start time of `milestone mcp`: from spawning it in an empty folder to its `initialize` answer,
 * the median wall and CPU time of N runs. Standalone (not a `bench/run.ts` section), so two builds compare:
 *   node --import tsx bench/mcp-start.ts [CLI=dist/cli/main.js] [N=15]
 */
/** CPU time (user + system) a process has used, from Linux's /proc (clock ticks of 10 ms); NaN elsewhere. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function start(cli: string, cwd: string): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'mcp'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  };
  child.stdin.write(`${JSON.stringify(initialize)}\n`);
  await new Promise((done) => child.stdout.once('data', done));
  const wall = performance.now() - started;
  // CPU time, unlike wall time, barely moves when other jobs share the machine.
  const cpu = cpuMs(child.pid!);
  child.stdin.end();
  await new Promise((done) => child.once('exit', done));
  return { wall, cpu };
}

const cli = resolve(process.argv[2] ?? 'dist/cli/main.js');
const runs = Number(process.argv[3] ?? '15');
const dir = mkdtempSync(join(tmpdir(), 'milestone-mcp-start-'));
try {
  const samples: Array<{ wall: number; cpu: number }> = [];
  for (let i = 0; i < runs; i++) samples.push(await start(cli, dir));
  const median = (values: number[]) =>
    Math.round(values.sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN);
  console.log(
    JSON.stringify({
      cli,
      runs,
      wallMedianMs: median(samples.map((s) => s.wall)),
      cpuMedianMs: median(samples.map((s) => s.cpu)),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
