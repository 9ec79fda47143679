import { isIP } from 'node:net';
import type { RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';

/** A parsed `--queue` URL: where Redis is and how to reach it. The password never leaves here but to ioredis. */
export interface QueueUrl {
  host: string;
  port: number;
  db: number;
  username: string | null;
  password: string | null;
  tls: boolean;
  /** The URL with its password replaced by `***`: the only form that is printed or logged. */
  display: string;
}

/**
 * Reads `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). A URL without a
 * password takes `password` (the `MILESTONE_QUEUE_PASSWORD` variable at the command layer), so a
 * committed `queue:` setting need not hold the secret. Bad input: a UsageError naming `field`.
 */
export function parseQueueUrl(raw: string, field = '--queue', password?: string): QueueUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new UsageError('MILESTONE_BAD_QUEUE', `${field}: not a URL (expected redis://host:port)`, [], {
      cause: error,
    });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new UsageError(
      'MILESTONE_BAD_QUEUE',
      `${field}: must start with redis:// or rediss:// (TLS), got ${url.protocol}//`,
    );
  if (!url.hostname) throw new UsageError('MILESTONE_BAD_QUEUE', `${field}: names no host`);
  const port = url.port ? Number(url.port) : 6379;
  const path = url.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0 || db > 15)
    throw new UsageError('MILESTONE_BAD_QUEUE', `${field}: the database after / must be 0 to 15`);
  const username = url.username ? decodeURIComponent(url.username) : null;
  const secret = url.password ? decodeURIComponent(url.password) : (password ?? null);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const userPart = username
    ? `${encodeURIComponent(username)}${secret ? ':***' : ''}@`
    : secret
      ? ':***@'
      : '';
  return {
    host,
    port,
    db,
    username,
    password: secret || null,
    tls: url.protocol === 'rediss:',
    display: `${url.protocol}//${userPart}${url.hostname}:${port}/${db}`,
  };
}

/**
 * ioredis options for BullMQ: commands wait through an outage instead of failing
 * (`maxRetriesPerRequest: null`, BullMQ's requirement for workers), reconnecting every second
 * at most. TLS uses Node's trust store (`NODE_EXTRA_CA_CERTS` adds a private CA).
 */
export function redisOptions(url: QueueUrl): RedisOptions {
  return {
    host: url.host,
    port: url.port,
    db: url.db,
    ...(url.username !== null && { username: url.username }),
    ...(url.password !== null && { password: url.password }),
    // An IP address is checked against the certificate without a server name (Node warns, DEP0123, when given one).
    ...(url.tls && { tls: isIP(url.host) === 0 ? { servername: url.host } : {} }),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
  };
}
