import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncRepo } from '../helpers/async-cli.js';
import { writeFiles } from '../helpers/git-repo.js';

describe('a runaway agent during a run', () => {
  it('is stopped and reported, its log stays capped, and the independent task still lands', async () => {
    const repo = await asyncRepo();
    writeFiles(repo.root, { '.milestones/config.yaml': 'limits: { outputMaxMb: 1, logMaxMb: 0.25 }\n' });
    const planned = await repo.plan({
      version: 1,
      milestone: 'Runaway',
      id: 'runaway',
      defaults: { retries: 1 },
      tasks: [
        { id: 'spam', title: 'prints without end', run: 'yes spam' },
        { id: 'fine', title: 'a normal task', run: 'echo fine > fine.txt' },
      ],
    });
    expect(planned.code, planned.stderr).toBe(0);
    const run = await repo.run(['execute', 'runaway', '--mode', 'agents', '--concurrency', '2']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('runaway: printed more than 1 MB; stopped');
    const status = await repo.status('runaway');
    const spam = status.tasks.find((t) => t.id === 'spam')!;
    // Not retried: the same command would run away again.
    expect(spam).toMatchObject({ status: 'failed', attempts: 1, merged: false });
    expect(spam.reason).toMatch(/^runaway: printed more than 1 MB; stopped \(log: /);
    expect(status.tasks.find((t) => t.id === 'fine')).toMatchObject({ status: 'succeeded', merged: true });
    const log = join(repo.root, '.milestones', '.local', 'logs', 'runaway', 'spam', 'attempt-1.log');
    expect(statSync(log).size).toBeLessThanOrEqual(256 * 1024 + 1024);
  });
});
