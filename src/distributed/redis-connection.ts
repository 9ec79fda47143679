import { isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';
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
  /**
   * Resolves once Redis answers a command (waiting through an outage, as every command does);
   * rejects with `refused` when the connection can never work.
   */
  ready(): Promise<void>;
  /**
   * Settles, if ever, with why the connection can never work as configured (a TLS certificate
   * this machine does not trust, a server that does not speak TLS): nothing retries it.
   */
  refused: Promise<UsageError>;
  close(): Promise<void>;
}

/**
 * Opens the connection. While Redis is unreachable every command waits (nothing fails, nothing
 * is lost); `say` is told once when the outage starts and once when Redis is back, never with
 * the password (only `url.display` is printed). A TLS failure that no retry can mend stops the
 * reconnecting and settles `refused` (and is said, if Redis had answered before).
 */
export function openRedis(url: QueueUrl, say: (line: string) => void): RedisConnection {
  const client = new Redis(redisOptions(url));
  let down = false;
  let answered = false;
  let refuse: (error: UsageError) => void = () => undefined;
  const refused = new Promise<UsageError>((resolve) => {
    refuse = resolve;
  });
  let fatal: UsageError | null = null;
  const stop = (message: string) => {
    fatal = new UsageError('MILESTONE_QUEUE_TLS', message);
    // Before the first answer `ready` throws it (the command prints it); later, say it here.
    if (answered) say(message);
    client.disconnect();
    refuse(fatal);
  };
  /** Asked once per outage, before it is said: a scheme that does not match the server is no outage. */
  let probed: Promise<void> | null = null;
  const probeScheme = (): Promise<void> => {
    probed ??= otherScheme(url).then((message) => {
      if (message && !fatal) stop(message);
    });
    return probed;
  };
  const onError = (error: Error) => {
    if (fatal) return;
    const tls = url.tls ? tlsProblem(url, error) : null;
    if (tls) {
      stop(tls);
      return;
    }
    if (!isConnectionError(error)) {
      say(`queue: ${error.message}`);
      return;
    }
    if (down) return;
    down = true;
    const code = (error as { code?: string }).code;
    void probeScheme().then(() => {
      if (!fatal && down)
        say(`waiting for Redis at ${url.display}: ${code ?? error.message}; retrying every second`);
    });
  };
  client.on('error', onError);
  client.on('ready', () => {
    answered = true;
    probed = null;
    if (!down) return;
    down = false;
    say(`Redis at ${url.display} is back; continuing`);
  });
  return {
    client,
    watch: (source) => source.on('error', onError),
    ready: async () => {
      const answered = client.ping().then(
        () => null,
        (error: unknown) => error,
      );
      // A TLS handshake with a server without TLS hangs until the connect timeout (10 s) and
      // then looks like an outage: without an answer soon, ask what the port speaks.
      const slow = setTimeout(() => void probeScheme(), SCHEME_PROBE_AFTER_MS);
      const outcome = await Promise.race([answered, refused]).finally(() => clearTimeout(slow));
      if (outcome) throw fatal ?? outcome;
    },
    refused,
    close: async () => {
      // QUIT would wait for a connection that is not there (commands wait through outages).
      if (fatal || client.status !== 'ready') client.disconnect();
      else await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Certificate checks Node's TLS can fail: none of them mends itself by reconnecting. */
const UNTRUSTED =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/**
 * The message for a TLS failure that retrying cannot fix, or null: an untrusted (or expired,
 * or misnamed) server certificate, or a server that does not speak TLS. Names the server by
 * its display form only; the password never appears.
 */
function tlsProblem(url: QueueUrl, error: Error): string | null {
  const code = (error as { code?: string }).code ?? '';
  if (UNTRUSTED.test(code))
    return (
      `Redis at ${url.display}: its TLS certificate is not trusted here (${code}: ${error.message}). ` +
      'If a private CA signed it, give that CA to milestone: NODE_EXTRA_CA_CERTS=/path/to/ca.pem ' +
      '(on the coordinator and every worker; docs/distributed.md, "TLS")'
    );
  if (code.startsWith('ERR_SSL_'))
    return (
      `Redis at ${url.display}: the TLS handshake failed (${code}); does the server listen for TLS on ` +
      `port ${url.port}? Use redis:// for a server without TLS`
    );
  return null;
}

/** Errors that mean Redis cannot be reached (as opposed to a refused command). */
function isConnectionError(error: Error): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code) ||
    /Connection is closed|connect ETIMEDOUT|Stream isn't writeable/i.test(error.message)
  );
}

/** How long `ready` waits for Redis's first answer before it asks what the port speaks. */
const SCHEME_PROBE_AFTER_MS = 1000;

/** How long {@link otherScheme} waits for the server. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * Why the URL's scheme cannot work with the server at its port, or null when that cannot be
 * told (nothing listens, no answer: an outage). For `rediss://` a plain TCP connection sends
 * `PING` and a RESP reply (`+PONG`, `-NOAUTH ...`) means the server speaks no TLS there; for
 * `redis://` a TLS handshake (no certificate check, nothing sent after it) that completes means
 * the port speaks only TLS. Names the server by its display form only: the password never appears.
 */
function otherScheme(url: QueueUrl): Promise<string | null> {
  return new Promise((resolve) => {
    let settled = false;
    let socket: Socket | undefined;
    const done = (message: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve(message);
    };
    const timer = setTimeout(() => done(null), PROBE_TIMEOUT_MS);
    try {
      socket = url.tls ? askPlain(url, done) : askTls(url, done);
    } catch {
      // A host or port Node refuses outright: nothing to tell.
      done(null);
      return;
    }
    socket.once('error', () => done(null));
    socket.once('close', () => done(null));
  });
}

/** A plain connection that sends `PING`: a Redis reply means the port speaks no TLS. */
function askPlain(url: QueueUrl, done: (message: string | null) => void): Socket {
  const socket = new Socket();
  socket.once('connect', () => socket.write('PING\r\n'));
  socket.once('data', (data: Buffer) => {
    const first = String.fromCharCode(data[0] ?? 0);
    done(
      '+-$*:'.includes(first)
        ? `Redis at ${url.display} does not speak TLS on port ${url.port}: it answered a plain-text PING. ` +
            'Use redis:// for a server without TLS (or the port where it listens for TLS)'
        : null,
    );
  });
  socket.connect({ host: url.host, port: url.port });
  return socket;
}

/** A TLS handshake (no certificate check, nothing sent): completed, the port speaks only TLS. */
function askTls(url: QueueUrl, done: (message: string | null) => void): Socket {
  const socket = tlsConnect({
    host: url.host,
    port: url.port,
    rejectUnauthorized: false,
    ...(isIP(url.host) === 0 && { servername: url.host }),
  });
  socket.once('secureConnect', () =>
    done(
      `Redis at ${url.display} speaks only TLS on port ${url.port}: use rediss:// (docs/distributed.md, "TLS")`,
    ),
  );
  return socket;
}
