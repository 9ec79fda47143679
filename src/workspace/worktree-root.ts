import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Workspace } from './workspace.js';

/** Where task worktrees go: config `worktrees.dir`, else `$XDG_STATE_HOME/milestone/worktrees`. */
export function worktreeRoot(workspace: Workspace, env: Record<string, string | undefined>): string {
  const configured = workspace.config.worktrees.dir;
  if (configured) return isAbsolute(configured) ? configured : resolve(workspace.root, configured);
  const state =
    env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : join(homedir(), '.local', 'state');
  return join(state, 'milestone', 'worktrees');
}
