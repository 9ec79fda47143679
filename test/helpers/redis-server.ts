import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './git-repo.js';

/** A private `redis-server` on 127.0.0.1, a free port and a temporary folder (AOF on, so a restart keeps the queue). */
export interface RedisServer {
  port: number;
  /** `redis://…`, or `rediss://…` for a TLS server. */
  url: string;
  /** A TLS server's private CA (PEM), which signed its certificate; null without TLS. */
  caFile: string | null;
  /** Stops it (SIGTERM: Redis flushes its append-only file first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
}

/** Why Redis cannot run here, or null when `redis-server` exists. */
export async function redisUnavailable(): Promise<string | null> {
  const found = await new Promise<boolean>((resolve) => {
    const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
  return found ? null : 'redis-server is not installed (apt-get install redis-server); .ci/run installs it';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Why a TLS Redis cannot run here (no openssl, or a redis-server built without TLS), or null:
 * starts one for a moment to find out.
 */
export async function redisTlsUnavailable(): Promise<string | null> {
  const missing = await redisUnavailable();
  if (missing) return missing;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return 'openssl is not installed (it makes the test certificates)';
  }
  try {
    const server = await startRedis({ tls: true });
    await server.stop();
    return null;
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split('\n').slice(-3).join(' ');
    return `redis-server cannot serve TLS here (built without it?): ${why}`;
  }
}

/**
 * A private CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI
 * in `dir` (a private temporary folder).
 */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=milestone test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-days',
    '2',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.pem'),
  );
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}

/**
 * Starts a Redis server for one test; stop it in `finally`. With `tls`, it listens only for TLS
 * (`rediss://`), with a certificate signed by a private CA (`caFile`) the machine does not trust.
 */
export async function startRedis(options: { password?: string; tls?: boolean } = {}): Promise<RedisServer> {
  const dir = tempDir('milestone-redis-');
  let port = await freePort();
  const certs = options.tls ? makeCertificates(tempDir('milestone-redis-certs-')) : null;
  const listen = () =>
    certs
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          certs.cert,
          '--tls-key-file',
          certs.key,
          '--tls-ca-cert-file',
          certs.ca,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(port)];
  let child: ChildProcess | null = null;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(
        'redis-server',
        [
          ...listen(),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--save',
          '',
          '--daemonize',
          'no',
          '--unixsocket',
          '',
          ...(options.password ? ['--requirepass', options.password] : []),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = proc;
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  // The port was free a moment ago; another test's server or an outgoing connection (which
  // takes its local port from the same range) may have taken it since: another port then.
  for (let tries = 1; ; tries++) {
    try {
      await start();
      break;
    } catch (error) {
      if (tries === 5 || !/Address already in use/.test(String(error))) throw error;
      port = await freePort();
    }
  }
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const scheme = certs ? 'rediss' : 'redis';
  return { port, url: `${scheme}://${auth}127.0.0.1:${port}`, caFile: certs?.ca ?? null, stop, start };
}
