import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncRepo, runAsync, script } from '../helpers/async-cli.js';
import { tempDir } from '../helpers/git-repo.js';

describe("a run's new slots and their disk check", () => {
  it('runs one git ls-tree -r -l for five new slots at the same head (processes counted on PATH)', async () => {
    const repo = await asyncRepo({ 'src/app.txt': 'x'.repeat(3000) });
    const planned = await repo.plan({
      version: 1,
      milestone: 'Slots',
      id: 'slots',
      defaults: { agent: 'shell', retries: 0 },
      tasks: ['a', 'b', 'c', 'd', 'e'].map((id) => ({
        id,
        title: `Write ${id}`,
        files: [`${id}.txt`],
        run: `echo ${id} > ${id}.txt`,
      })),
    });
    expect(planned.code, planned.stderr).toBe(0);

    // Every git process of the run goes through this wrapper, which logs each ls-tree it starts.
    const realGit = (await runAsync('sh', ['-c', 'command -v git'], { cwd: repo.root })).stdout.trim();
    const bin = tempDir('milestone-git-wrapper-');
    const log = join(bin, 'ls-tree.log');
    script(
      bin,
      'git',
      `for a in "$@"; do if [ "$a" = ls-tree ]; then printf '%s\\n' "$*" >> '${log}'; break; fi; done\nexec '${realGit}' "$@"`,
    );
    const run = await repo.run(['execute', 'slots', '--mode', 'agents', '--concurrency', '5'], {
      env: { PATH: `${bin}:${process.env.PATH}`, MILESTONE_DEBUG: '1' },
    });
    expect(run.code, run.stderr).toBe(0);
    const sized = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => / -r -l /.test(line));
    // Five slots were made (no slot existed before this run), all at the run's first head.
    expect(run.stderr).toMatch(/slots: 0 kept, 5 to create/);
    expect(sized).toHaveLength(1);
    expect(run.stderr + run.stdout).toMatch(/checkout sizes 1 listed, 4 reused/);
  });
});
