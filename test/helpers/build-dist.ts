import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILT = join(ROOT, 'dist/cli/main.js');

/** The newest modification time under `dir` (files only), in ms. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * Vitest global setup: tests that spawn the CLI run `dist/`, so `dist/` is rebuilt first when any
 * source (or the build config) is newer than it. `npx vitest run` alone then never tests a stale
 * build; `npm test` builds before and this finds nothing to do.
 */
export default async function buildDistWhenStale(): Promise<void> {
  const sources = Math.max(
    newest(join(ROOT, 'src')),
    statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs,
    statSync(join(ROOT, 'package.json')).mtimeMs,
  );
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= sources) return;
  const output: string[] = [];
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => output.push(String(chunk)));
    child.stderr.on('data', (chunk) => output.push(String(chunk)));
    child.once('error', fail);
    child.once('close', done);
  });
  if (code !== 0)
    throw new Error(`dist/ is older than src/ and \`npm run build\` failed:\n${output.join('')}`);
}
