import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownNiceness } from '../../src/process/run-priority.js';
import { asyncRepo, until } from '../helpers/async-cli.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';

/** Field 19 of a `/proc/.../stat` line: the niceness (comm, field 2, may hold spaces). */
function niceOf(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('config limits.nice', () => {
  it('runs execute (every thread) and its task processes that much nicer than the shell that started it', async () => {
    const repo = await asyncRepo();
    const marks = tempDir('milestone-nice-');
    writeFiles(repo.root, { '.milestones/config.yaml': 'limits: { nice: 5 }\n' });
    // The task says its niceness, then waits until the test has looked at the coordinator.
    const run = `awk '{ print $19 }' /proc/$$/stat > '${marks}/said' && mv '${marks}/said' '${marks}/task'; while [ ! -e '${marks}/go' ]; do sleep 0.05; done; echo done > out.txt`;
    const planned = await repo.plan({
      version: 1,
      milestone: 'Nice',
      id: 'nice',
      tasks: [{ id: 'look', title: 'says its niceness', run }],
    });
    expect(planned.code, planned.stderr).toBe(0);
    const own = ownNiceness();
    const target = Math.min(19, own + 5);
    const execute = repo.spawn(['execute', 'nice', '--mode', 'agents']);
    try {
      await until(
        async () => existsSync(join(marks, 'task')) || execute.exitCode !== null,
        'the task to start',
      );
      expect(readFileSync(join(marks, 'task'), 'utf8').trim(), execute.output().stderr).toBe(String(target));
      const threads = readdirSync(`/proc/${execute.pid}/task`);
      expect(threads.map((thread) => niceOf(`/proc/${execute.pid}/task/${thread}/stat`))).toEqual(
        threads.map(() => target),
      );
      // Every process it started (git shells from the checks before the run included) as well.
      const children = readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .flatMap((pid) => {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
            const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            return Number(fields[1]) === execute.pid ? [`${pid}: ${fields[16]}`] : [];
          } catch {
            return []; // gone meanwhile
          }
        });
      expect(children.length).toBeGreaterThan(0);
      expect(children).toEqual(children.map((child) => `${child.split(':')[0]}: ${target}`));
    } finally {
      // Let the task end whatever was seen; a failed look must not leave the run waiting.
      writeFileSync(join(marks, 'go'), '');
    }
    expect(await execute.closed, execute.output().stderr).toBe(0);
    expect((await repo.status('nice')).tasks[0]).toMatchObject({ status: 'succeeded', merged: true });
  });

  it('0 leaves the run and its tasks at the priority they were started with', async () => {
    const repo = await asyncRepo();
    const marks = tempDir('milestone-nice-');
    writeFiles(repo.root, { '.milestones/config.yaml': 'limits: { nice: 0 }\n' });
    const planned = await repo.plan({
      version: 1,
      milestone: 'Not nice',
      id: 'not-nice',
      tasks: [
        {
          id: 'look',
          title: 'says its niceness',
          run: `awk '{ print $19 }' /proc/$$/stat > '${marks}/task'`,
        },
      ],
    });
    expect(planned.code, planned.stderr).toBe(0);
    const run = await repo.run(['execute', 'not-nice', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(marks, 'task'), 'utf8').trim()).toBe(String(ownNiceness()));
  });

  it('refuses a value outside 0..19 or not a whole number, naming the file and field (exit 2), and runs nothing', async () => {
    const repo = await asyncRepo();
    const planned = await repo.plan({
      version: 1,
      milestone: 'Bad nice',
      id: 'bad-nice',
      tasks: [{ id: 'never', title: 'must not run', run: 'echo ran > ran.txt' }],
    });
    expect(planned.code, planned.stderr).toBe(0);
    for (const value of ['20', '-1', '2.5', 'high']) {
      writeFiles(repo.root, { '.milestones/config.yaml': `concurrency: 2\nlimits:\n  nice: ${value}\n` });
      const run = await repo.run(['execute', 'bad-nice', '--mode', 'agents']);
      expect(run.code, `${value}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain('.milestones/config.yaml');
      expect(run.stderr).toContain(':3');
      expect(run.stderr).toContain('(limits.nice)');
      if (value === '20') expect(run.stderr).toMatch(/limits\.nice .*19/);
    }
    writeFiles(repo.root, { '.milestones/config.yaml': 'limits: { nice: 10 }\n' });
    const status = await repo.status('bad-nice');
    expect(status.status).toBe('planned');
    expect(status.tasks[0]).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
