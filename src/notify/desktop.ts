import { spawn } from 'node:child_process';
import { findExecutable } from '../process/which.js';

/**
 * Shows a desktop notification with `notify-send` when it is on PATH; returns whether it was
 * started. Fire and forget: the process is detached from the run's fate and its errors ignored.
 */
export function desktopNotify(
  title: string,
  message: string,
  options: { env: Record<string, string | undefined>; cwd: string; urgent: boolean },
): boolean {
  const program = findExecutable('notify-send', { pathEnv: options.env.PATH, cwd: options.cwd });
  if (!program) return false;
  try {
    const child = spawn(
      program,
      ['--app-name=milestone', `--urgency=${options.urgent ? 'critical' : 'normal'}`, '--', title, message],
      { stdio: 'ignore', cwd: options.cwd },
    );
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
