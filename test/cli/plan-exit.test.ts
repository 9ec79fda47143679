import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../bench/generate-plan.js';
import { GIT_ENV, gitRepo, milestone, tempDir } from '../helpers/git-repo.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.cjs');

/**
 * `plan --from` ends its process as soon as its work is done (`endAtOnce` in src/cli/main.ts),
 * not when the event loop drains: what it printed and stored must all be there.
 */
describe('plan --from ends its process at once', () => {
  it('prints its whole --json document of 2,000 tasks through a pipe read slowly, and the store holds the plan', async () => {
    const repo = await gitRepo({ files: { 'src/a.ts': 'export {};\n' } });
    writeFileSync(join(repo, 'plan.json'), JSON.stringify(generatePlan({ tasks: 2000, seed: 3 })));
    const child = spawn(process.execPath, [BIN, 'plan', '--from', 'plan.json', '--json'], {
      cwd: repo,
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', XDG_CACHE_HOME: tempDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader pauses after each chunk: the pipe fills while the writer has more to say.
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 5);
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code, stderr).toBe(0);
    const stdout = Buffer.concat(chunks).toString('utf8');
    expect(stdout.length).toBeGreaterThan(1 << 16); // more than one pipe buffer
    const printed = JSON.parse(stdout) as { plan: { id: string; tasks: unknown[] } };
    expect(printed.plan.tasks).toHaveLength(2000);
    const status = await milestone(repo, ['status', printed.plan.id, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { tasks: unknown[] }).tasks).toHaveLength(2000);
  });

  it('a refused plan prints its whole message and exits 2, changing nothing', async () => {
    const repo = await gitRepo({ files: { 'src/a.ts': 'export {};\n' } });
    writeFileSync(
      join(repo, 'bad.json'),
      JSON.stringify({ version: 1, milestone: 'B', tasks: [{ id: 'a' }] }),
    );
    const result = await milestone(repo, ['plan', '--from', 'bad.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.json/);
    expect(result.stderr).toMatch(
      /\(tasks\[0\]\.title\): a task needs a `title`\n.*\(tasks\[0\]\): task "a" has neither/,
    );
    expect(existsSync(join(repo, '.milestones'))).toBe(false);
  });
});
