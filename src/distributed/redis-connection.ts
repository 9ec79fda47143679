import { Redis } from 'ioredis';
import type { QueueUrl } from './queue-url.js';
import { redisOptions } from './queue-url.js';

/** Anything that emits `error` (ioredis clients, BullMQ queues, workers and event readers). */
interface ErrorSource {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** One Redis connection shared by a process's queues, with outage messages. */
export interface RedisConnection {
  client: Redis;
  /** Routes an emitter's errors to the outage message (an unhandled `error` would end the process). */
  watch(source: ErrorSource): void;
  close(): Promise<void>;
}

/**
 * Opens the connection. While Redis is unreachable every command waits (nothing fails, nothing
 * is lost); `say` is told once when the outage starts and once when Redis is back, never with
 * the password (only `url.display` is printed).
 */
export function openRedis(url: QueueUrl, say: (line: string) => void): RedisConnection {
  const client = new Redis(redisOptions(url));
  let down = false;
  const onError = (error: Error) => {
    if (!isConnectionError(error)) {
      say(`queue: ${error.message}`);
      return;
    }
    if (down) return;
    down = true;
    const code = (error as { code?: string }).code;
    say(`waiting for Redis at ${url.display}: ${code ?? error.message}; retrying every second`);
  };
  client.on('error', onError);
  client.on('ready', () => {
    if (!down) return;
    down = false;
    say(`Redis at ${url.display} is back; continuing`);
  });
  return {
    client,
    watch: (source) => source.on('error', onError),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Errors that mean Redis cannot be reached (as opposed to a refused command). */
function isConnectionError(error: Error): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code) ||
    /Connection is closed|connect ETIMEDOUT|Stream isn't writeable/i.test(error.message)
  );
}
