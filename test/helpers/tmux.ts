import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterEach } from 'vitest';
import { tempDir } from './git-repo.js';

const run = promisify(execFile);

/** A detached tmux session on a private socket: a real pseudo-terminal whose screen tests read. */
export interface TmuxSession {
  /** The visible screen as text (`withEscapes`: with colour escape sequences). */
  screen(withEscapes?: boolean): Promise<string>;
  /** Polls the screen until `test` holds; fails with the last screen after `timeoutMs`. */
  waitFor(test: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
}

const sessions: TmuxSession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.kill();
});

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts `argv` in `cwd` inside a new tmux session of `width` x `height`, with exactly `env`
 * added; the pane stays after the program exits so its last screen can be read.
 */
export async function tmuxSession(options: {
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  width?: number;
  height?: number;
}): Promise<TmuxSession> {
  const socket = join(tempDir('milestone-tmux-'), 'socket');
  const tmux = (...args: string[]) => run('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  const assignments = Object.entries(options.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const command = `cd ${shellQuote(options.cwd)} && env -u CI -u MILESTONE_PLAIN -u NO_COLOR ${assignments.join(' ')} ${options.argv.map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 600`;
  await tmux(
    'new-session',
    '-d',
    '-x',
    String(options.width ?? 100),
    '-y',
    String(options.height ?? 30),
    'sh',
    '-c',
    command,
  );
  const session: TmuxSession = {
    screen: async (withEscapes = false) =>
      (await tmux('capture-pane', '-p', ...(withEscapes ? ['-e'] : []))).stdout,
    waitFor: async (test, what, timeoutMs = 600_000) => {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = await session.screen();
        if (test(last)) return last;
        await sleep(100);
      }
      throw new Error(`timed out waiting for ${what}; the screen was:\n${last}`);
    },
    kill: async () => {
      await tmux('kill-server').catch(() => undefined);
    },
  };
  sessions.push(session);
  return session;
}
