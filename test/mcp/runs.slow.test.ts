import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { asyncRepo, until } from '../helpers/async-cli.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';
import { connect, json, serverTransport, texts } from './client.js';

/** Runs end to end through `milestone mcp`: these start coordinators and agents (slow on a busy machine). */
const RUN_TIMEOUT_MS = 180_000;

describe('milestone mcp runs (official SDK client over stdio)', () => {
  it(
    'execute with wait sends progress notifications as tasks land; report gives the review packet',
    async () => {
      const repo = await asyncRepo();
      await repo.plan({
        version: 1,
        milestone: 'Three steps',
        id: 'steps',
        tasks: [
          { id: 'one', title: 'One', run: 'echo 1 > one.txt', estimate: '1h' },
          { id: 'two', title: 'Two', run: 'echo 2 > two.txt', estimate: '1h', needs: ['one'] },
          { id: 'three', title: 'Three', run: 'echo 3 > three.txt', estimate: '1h', needs: ['two'] },
        ],
      });
      const client = await connect(repo);
      const seen: Progress[] = [];
      const result = await client.callTool(
        { name: 'milestone_execute', arguments: { id: 'steps', wait: true } },
        undefined,
        { onprogress: (progress) => seen.push(progress) },
      );
      expect(result.isError, texts(result).join('\n')).toBe(false);
      const values = seen.map((p) => p.progress);
      expect(values).toContain(33);
      expect(values).toContain(67);
      expect(values.at(-1)).toBe(100);
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
      expect(seen.every((p) => p.total === 100)).toBe(true);
      expect(
        seen.map((p) => `${p.progress} ${p.message}`),
        JSON.stringify(seen),
      ).toContain('67 task two succeeded');

      const report = await client.callTool({ name: 'milestone_report', arguments: { id: 'steps' } });
      expect(report.isError).toBe(false);
      for (const task of ['one', 'two', 'three']) expect(texts(report)[0]).toContain(task);
      await client.close();
    },
    RUN_TIMEOUT_MS,
  );
  it(
    'execute returns the run id at once; status polls it and, with waitSeconds, notifies progress to the end',
    async () => {
      const repo = await asyncRepo();
      const gate = tempDir('milestone-gate-');
      await repo.plan({
        version: 1,
        milestone: 'In the background',
        id: 'bg',
        tasks: [
          { id: 'first', title: 'First', run: 'echo 1 > first.txt' },
          {
            id: 'held',
            title: 'Held until the test opens the gate',
            needs: ['first'],
            run: `while [ ! -f "${gate}/go" ]; do sleep 0.05; done; echo held > held.txt`,
          },
        ],
      });
      const client = await connect(repo);
      const started = await client.callTool({ name: 'milestone_execute', arguments: { id: 'bg' } });
      expect(started.isError, texts(started).join('\n')).toBe(false);
      // It answered while a task is still held: the answer did not wait for the run.
      expect(json(started)).toMatchObject({ id: 'bg', started: true, running: true });
      const polled = json(await client.callTool({ name: 'milestone_status', arguments: { id: 'bg' } }));
      // The run is a child process: whether it has recorded `executing` yet is its own timing;
      // what status must say at once is that this server's run of `bg` is going.
      expect(polled).toMatchObject({ id: 'bg', run: { running: true } });
      const again = await client.callTool({ name: 'milestone_execute', arguments: { id: 'bg' } });
      expect(again.isError).toBe(true);
      expect(texts(again).at(-1)).toMatch(/already running from this server[\s\S]*\(exit code 3\)$/);

      writeFiles(gate, { go: '' });
      const seen: Progress[] = [];
      const followed = await client.callTool(
        { name: 'milestone_status', arguments: { id: 'bg', waitSeconds: 50 } },
        undefined,
        { onprogress: (progress) => seen.push(progress) },
      );
      expect(json(followed)).toMatchObject({
        status: 'completed',
        progress: { overall: 100 },
        run: { running: false, exitCode: 0 },
      });
      expect(seen.at(-1)?.progress).toBe(100);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
      await client.close();
    },
    RUN_TIMEOUT_MS,
  );
  it(
    'a cancelled call (notifications/cancelled) stops the run: the agent is stopped, state saved, resumable',
    async () => {
      const repo = await asyncRepo();
      const marks = tempDir('milestone-marks-');
      await repo.plan({
        version: 1,
        milestone: 'Cancel me',
        id: 'cancel-me',
        tasks: [{ id: 'slow', title: 'Slow', run: `echo $$ > "${marks}/pid"; exec sleep 600` }],
      });
      const client = await connect(repo);
      const abort = new AbortController();
      const call = client.callTool(
        { name: 'milestone_execute', arguments: { id: 'cancel-me', wait: true } },
        undefined,
        {
          signal: abort.signal,
        },
      );
      const settled = call.then(
        () => 'answered',
        (error: unknown) => error,
      );
      await until(
        async () => existsSync(join(marks, 'pid')) && readFileSync(join(marks, 'pid'), 'utf8').endsWith('\n'),
        'the task to start',
      );
      const agent = Number(readFileSync(join(marks, 'pid'), 'utf8'));
      abort.abort();
      expect(await settled).toBeInstanceOf(Error);

      const after = json(
        await client.callTool({ name: 'milestone_status', arguments: { id: 'cancel-me', waitSeconds: 50 } }),
      );
      expect(after.run).toMatchObject({ running: false, exitCode: 130 });
      expect(after.run.message).toContain('interrupted: state saved');
      expect(after.tasks[0]).toMatchObject({ id: 'slow', merged: false });
      expect(() => process.kill(agent, 0)).toThrow();
      await client.close();
    },
    RUN_TIMEOUT_MS,
  );
});

describe('milestone mcp shutdown', () => {
  it(
    'on SIGTERM the server stops the runs it started with their state saved, and execute resumes them',
    async () => {
      const repo = await asyncRepo();
      const gate = tempDir('milestone-gate-');
      await repo.plan({
        version: 1,
        milestone: 'Outlives its client',
        id: 'resume-me',
        tasks: [
          {
            id: 'held',
            title: 'Held',
            run: `while [ ! -f "${gate}/go" ]; do sleep 0.05; done; echo ok > held.txt`,
          },
        ],
      });
      const transport = serverTransport(repo);
      const client = new Client({ name: 'milestone-test', version: '1.0.0' });
      await client.connect(transport);
      const started = json(
        await client.callTool({ name: 'milestone_execute', arguments: { id: 'resume-me' } }),
      );
      expect(started).toMatchObject({ started: true, running: true });
      const closed = new Promise<void>((resolve) => {
        client.onclose = resolve;
      });
      process.kill(transport.pid!, 'SIGTERM');
      await closed;
      // The coordinator (the run's child process) is gone and the task did not land.
      expect(() => process.kill(started.pid, 0)).toThrow();
      const saved = await repo.status('resume-me');
      expect(saved.tasks[0]).toMatchObject({ id: 'held', merged: false });
      writeFiles(gate, { go: '' });
      const resumed = await repo.run(['execute', 'resume-me']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect((await repo.status('resume-me')).status).toBe('completed');
    },
    RUN_TIMEOUT_MS,
  );
});
