import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tempDir } from './git-repo.js';

/** A private `redis-server` on 127.0.0.1, a free port and a temporary folder (AOF on, so a restart keeps the queue). */
export interface RedisServer {
  port: number;
  url: string;
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

/** Starts a Redis server for one test; stop it in `finally`. */
export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const dir = tempDir('milestone-redis-');
  let port = await freePort();
  let child: ChildProcess | null = null;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(
        'redis-server',
        [
          '--port',
          String(port),
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
  return { port, url: `redis://${auth}127.0.0.1:${port}`, stop, start };
}
