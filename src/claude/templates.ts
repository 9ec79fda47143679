/**
 * Claude Code entry points (`milestone init --claude`): slash commands and subagents that call
 * the CLI, so `/milestone/plan` keeps working as it did in the original command collection.
 * Arguments come through `$ARGUMENTS` (positional `$N` changed meaning between versions).
 * Everything calls the installed `milestone` binary on PATH, never `npx milestone`.
 */
export function claudeFiles(): Record<string, string> {
  const command = (description: string, hint: string, tools: string, body: string) =>
    `---\ndescription: ${description}\nargument-hint: ${hint}\nallowed-tools: ${tools}\n---\n\n${body}\n`;
  return {
    '.claude/commands/milestone/plan.md': command(
      'Plan a milestone with the milestone CLI',
      '<title> [--from FILE]',
      'Bash(milestone:*), Read, Write',
      'Plan the milestone described by: $ARGUMENTS\n\n' +
        '1. If no plan file exists yet, write `.milestones/drafts/<slug>.yaml` following the plan format\n' +
        '   (`milestone plan --help`): tasks that each fit one agent session, with `needs`, `files`,\n' +
        '   `estimate` and a `verify` command.\n' +
        '2. Run `milestone validate <file>` and fix every problem it reports.\n' +
        '3. Run `milestone plan --from <file>` and show the user its summary.',
    ),
    '.claude/commands/milestone/execute.md': command(
      'Execute a planned milestone with parallel agents',
      '[<id>] [--mode auto|direct|agents|hybrid] [--phase P]',
      'Bash(milestone:*)',
      'Run `milestone execute $ARGUMENTS` and report what it prints. Progress is true only as\n' +
        '`milestone status --json` reports it; never claim a percentage yourself. If it stops on a\n' +
        'conflict, show the commands it prints and ask the user before resolving.',
    ),
    '.claude/commands/milestone/status.md': command(
      'Show milestone progress',
      '[<id>]',
      'Bash(milestone:*)',
      'Run `milestone status $ARGUMENTS` and summarise it in two lines.',
    ),
    // Registers `milestone mcp` as a project MCP server, so the tools are there without Bash.
    // The installed binary by name, never `npx milestone`: no npm package of that name is ours,
    // and npx would fetch and run a stranger's code.
    '.mcp.json': `${JSON.stringify({ mcpServers: { milestone: { command: 'milestone', args: ['mcp'] } } }, null, 2)}\n`,
    '.claude/agents/milestone-coordinator.md':
      '---\nname: milestone-coordinator\ndescription: Drives a milestone through plan, execute and status with the milestone CLI\n' +
      'tools: Bash, Read\n---\n\nYou coordinate a milestone using only the `milestone` CLI (`milestone ...`). Plan with\n' +
      '`milestone plan --from`, run with `milestone execute`, and read progress only from\n' +
      '`milestone status --json`. Never edit `.milestones/.local/`. Never force-push or rewrite the base branch.\n',
  };
}
