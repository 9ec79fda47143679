/**
 * How much an agent may do, by run. `read-only`: look, change nothing (the planner, analyses).
 * `edit`: change files in its worktree and run the task's own commands (a task, by default).
 * `full`: the config turned permission checks off (skip-permissions, bypass, yolo, full access).
 */
export type PermissionLevel = 'read-only' | 'edit' | 'full';

/**
 * Claude Code's tools per level, passed as `--tools` (which exposes exactly these). Claude Code
 * 2.1 otherwise exposes ~25 tools whatever the permission mode, among them `EnterWorktree`
 * (creates a branch and a worktree), `CronCreate`, `WebFetch`: a real read-only run with only
 * `--allowedTools` accepted `EnterWorktree` (capture claude-readonly-probe).
 */
export const CLAUDE_TOOLS: Record<PermissionLevel, readonly string[]> = {
  'read-only': ['Read', 'Glob', 'Grep'],
  edit: ['Read', 'Edit', 'Write', 'Glob', 'Grep', 'Bash'],
  full: ['Read', 'Edit', 'Write', 'Glob', 'Grep', 'Bash', 'NotebookEdit', 'WebFetch', 'WebSearch'],
};

/**
 * Claude Code tools no task may have, whatever the config says: they change branch or folder
 * outside the task's worktree, or act after the run (scheduled prompts).
 */
export const CLAUDE_FORBIDDEN_TOOLS = [
  'EnterWorktree',
  'ExitWorktree',
  'CronCreate',
  'CronDelete',
  'ScheduleWakeup',
] as const;

/** Gemini CLI's tools that change files or run commands: denied by policy in read-only runs. */
export const GEMINI_WRITE_TOOLS = ['write_file', 'replace', 'run_shell_command', 'save_memory'] as const;

/** The level a run gets: read-only wins over everything; a skip-permission setting means `full`. */
export function permissionLevel(readOnly: boolean | undefined, skipsChecks: boolean): PermissionLevel {
  if (readOnly) return 'read-only';
  return skipsChecks ? 'full' : 'edit';
}

/** The name of a Claude tool rule: `Bash(npm test)` -> `Bash`. */
export function toolName(rule: string): string {
  const open = rule.indexOf('(');
  return (open === -1 ? rule : rule.slice(0, open)).trim();
}
