/** Flags of the agent CLIs that turn every permission check off on their own. */
const SKIP_PERMISSION_FLAGS = new Set([
  '--dangerously-skip-permissions',
  '--dangerously-bypass-approvals-and-sandbox',
  '--yolo',
  '-y',
]);

/** Options whose value turns permission checks off: option -> that value. */
const SKIP_PERMISSION_VALUES: Record<string, string> = {
  '--permission-mode': 'bypassPermissions',
  '--approval-mode': 'yolo',
  '--sandbox': 'danger-full-access',
  '-s': 'danger-full-access',
};

/** Warnings for skip-permission flags given through `extraArgs` (`--yolo`, `--sandbox danger-full-access`, ...). */
export function extraArgsWarnings(name: string, extraArgs: readonly string[]): string[] {
  const found: string[] = [];
  extraArgs.forEach((arg, i) => {
    const [option = '', inline] = arg.split('=', 2);
    const value = inline ?? extraArgs[i + 1];
    if (SKIP_PERMISSION_FLAGS.has(arg)) found.push(arg);
    else if (Object.hasOwn(SKIP_PERMISSION_VALUES, option) && SKIP_PERMISSION_VALUES[option] === value) {
      found.push(`${option} ${value}`);
    }
  });
  return found.map((flag) => skipPermissionWarning(name, `${flag} (from agents.${name}.extraArgs)`));
}

/** The warning logged when an agent runs without permission checks. */
export function skipPermissionWarning(name: string, how: string): string {
  return `${name} runs with ${how}: it may run any command and change anything without asking`;
}
