import { chmodSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { milestoneAsync } from '../helpers/async-cli.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  url: string;
}

/** A webhook receiver on 127.0.0.1; `respond` decides each answer (or holds it open). */
async function receiver(respond: (n: number, res: ServerResponse) => void) {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data), url: req.url ?? '' });
      for (const w of waiters.splice(0)) w();
      respond(received.length, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  closers.push(async () => server.closeAllConnections());
  return {
    url: `http://127.0.0.1:${port}/hook?token=hook-secret-abcdef`,
    received,
    /** Resolves once `n` requests arrived. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (received.length >= n ? resolve() : waiters.push(check));
        check();
      }),
  };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const SECRET = 'sk-live-0123456789abcdef';

describe('notifications', () => {
  it('a failed run posts one JSON document to the webhook, retried after 503s, without secrets', async () => {
    const hook = await receiver((n, res) => {
      res.statusCode = n <= 2 ? 503 : 204;
      res.end();
    });
    const repo = await milestoneRepo({
      '.milestones/config.yaml': stringify({ notify: { webhook: hook.url, desktop: false } }),
    });
    await repo.plan({
      version: 1,
      milestone: 'Notify me',
      id: 'notify-me',
      defaults: { retries: 0 },
      tasks: [
        { id: 'bad', title: 'Bad', run: 'echo hi > bad.txt', verify: `test "${SECRET}" = nope` },
        { id: 'fine', title: 'Fine', run: 'echo ok > fine.txt' },
      ],
    });
    const run = await milestoneAsync(repo.root, ['execute', 'notify-me', '--mode', 'agents'], {
      ...repo.env,
      MY_API_TOKEN: SECRET,
    });
    expect(run.code).toBe(1);
    await hook.until(3);
    expect(hook.received).toHaveLength(3);
    const [first, second, third] = hook.received;
    // The same delivery, tried three times.
    expect(new Set(hook.received.map((r) => r.headers['x-milestone-delivery'])).size).toBe(1);
    expect(hook.received.map((r) => r.headers['x-milestone-attempt'])).toEqual(['1', '2', '3']);
    expect(second!.body).toEqual(first!.body);
    expect(third!.headers['content-type']).toBe('application/json');
    expect(Object.keys(third!.body).sort()).toEqual(
      [
        'at',
        'kind',
        'message',
        'milestone',
        'phase',
        'progress',
        'source',
        'task',
        'title',
        'version',
      ].sort(),
    );
    expect(third!.body).toMatchObject({
      source: 'milestone',
      kind: 'failed',
      milestone: 'notify-me',
      title: 'Notify me',
      message: 'milestone notify-me failed: bad failed',
      progress: 50,
    });
    expect(JSON.stringify(hook.received)).not.toContain(SECRET);
    // A terminal bell and a line for the person; the hook's URL (it holds a token) never printed.
    expect(run.stderr).toContain('\u0007milestone: failed: milestone notify-me failed: bad failed');
    expect(run.stderr).not.toContain('hook-secret-abcdef');
  });

  it('never holds the run: the milestone completes while the webhook is unanswered; notify-send is called', async () => {
    const held: ServerResponse[] = [];
    const hook = await receiver((_n, res) => held.push(res));
    closers.push(async () => {
      for (const res of held) res.destroy();
    });
    const bin = tempDir('milestone-bin-');
    const calls = join(bin, 'calls.txt');
    writeFiles(bin, { 'notify-send': `#!/bin/sh\nprintf '%s|' "$@" >> ${calls}\necho >> ${calls}\n` });
    chmodSync(join(bin, 'notify-send'), 0o755);
    const repo = await milestoneRepo({
      '.milestones/config.yaml': stringify({ notify: { webhook: hook.url } }),
    });
    await repo.plan({
      version: 1,
      milestone: 'Quick',
      id: 'quick',
      tasks: [{ id: 'one', title: 'One', run: 'echo 1 > 1.txt' }],
    });
    const running = milestoneAsync(repo.root, ['execute', 'quick'], {
      ...repo.env,
      PATH: `${bin}:${process.env.PATH}`,
    });
    await hook.until(1);
    // The webhook has not been answered, yet the store already says completed.
    const status = await milestoneAsync(repo.root, ['status', 'quick', '--json'], repo.env);
    expect(JSON.parse(status.stdout).status).toBe('completed');
    expect(held).toHaveLength(1);
    expect(hook.received[0]!.body).toMatchObject({ kind: 'completed', milestone: 'quick', progress: 100 });
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('milestone: completed: milestone quick completed');
    expect(readFileSync(calls, 'utf8')).toContain(
      '--app-name=milestone|--urgency=normal|--|milestone: Quick|milestone quick completed: every task landed on milestone/quick|',
    );
  });

  it('refuses a webhook that is not an http(s) URL, naming the field', async () => {
    const repo = await milestoneRepo({
      '.milestones/config.yaml': stringify({ notify: { webhook: 'ftp://example.invalid/x' } }),
    });
    const result = await milestoneAsync(repo.root, ['list'], repo.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('notify.webhook');
  });
});
