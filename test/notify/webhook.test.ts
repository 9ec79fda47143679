import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postWebhook } from '../../src/notify/webhook.js';

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(statuses: number[]) {
  const seen: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(Number(req.headers['x-milestone-attempt']));
      res.statusCode = statuses[seen.length - 1] ?? 200;
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

describe('postWebhook', () => {
  it('retries 429 and 5xx, then reports the delivery', async () => {
    const hook = await serve([429, 502, 200]);
    expect(await postWebhook(hook.url, { a: 1 }, { baseDelayMs: 1 })).toEqual({
      ok: true,
      attempts: 3,
      status: 200,
      error: null,
    });
    expect(hook.seen).toEqual([1, 2, 3]);
  });

  it('does not retry a 4xx that cannot pass later, and gives up after its attempts', async () => {
    const refused = await serve([404]);
    expect(await postWebhook(refused.url, {}, { baseDelayMs: 1 })).toMatchObject({
      ok: false,
      attempts: 1,
      status: 404,
    });
    const broken = await serve([500, 500]);
    expect(await postWebhook(broken.url, {}, { baseDelayMs: 1, attempts: 2 })).toMatchObject({
      ok: false,
      attempts: 2,
      error: 'HTTP 500',
    });
  });

  it('never throws when nothing listens', async () => {
    const result = await postWebhook(
      'http://127.0.0.1:9/',
      {},
      { baseDelayMs: 1, attempts: 2, timeoutMs: 2000 },
    );
    expect(result).toMatchObject({ ok: false, attempts: 2, status: null });
  });
});
