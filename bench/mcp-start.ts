import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Start time of `milestone mcp`: from spawning it in an empty folder to its `initialize` answer,
 * the median of N runs. Standalone (not a `bench/run.ts` section), so two builds compare:
 *   node --import tsx bench/mcp-start.ts [CLI=dist/cli/main.js] [N=15]
 */
async function startMs(cli: string, cwd: string): Promise<number> {
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
  const elapsed = performance.now() - started;
  child.stdin.end();
  await new Promise((done) => child.once('exit', done));
  return elapsed;
}

const cli = resolve(process.argv[2] ?? 'dist/cli/main.js');
const runs = Number(process.argv[3] ?? '15');
const dir = mkdtempSync(join(tmpdir(), 'milestone-mcp-start-'));
try {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await startMs(cli, dir));
  times.sort((a, b) => a - b);
  const ms = (value: number | undefined) => Math.round(value ?? Number.NaN);
  console.log(
    JSON.stringify({
      cli,
      runs,
      medianMs: ms(times[runs >> 1]),
      minMs: ms(times[0]),
      maxMs: ms(times.at(-1)),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
