// Time from spawn to the initialize answer of `milestone mcp` (median of N).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [cli, n = '15'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'mcp-start-'));
const times = [];
for (let i = 0; i < Number(n); i++) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'mcp'], { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) + '\n');
  await new Promise((resolve) => child.stdout.once('data', resolve));
  times.push(performance.now() - t0);
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));
}
rmSync(dir, { recursive: true, force: true });
times.sort((a, b) => a - b);
console.log(JSON.stringify({ cli, runs: times.length, medianMs: Math.round(times[times.length >> 1]), minMs: Math.round(times[0]), maxMs: Math.round(times.at(-1)) }));
