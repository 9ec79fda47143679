import { z } from 'zod';
import type { AgentAdapter, AgentRequest } from './adapter.js';
import { agentEnv } from './agent-process.js';
import { createClaudeStreamReader } from './claude-stream.js';
import type { CodingAgentCommand } from './coding-agent.js';
import { probeCodingAgent, runCodingAgent } from './coding-agent.js';
import { binarySchema, envSchema, extraArgsSchema, ruleListSchema } from './config-fields.js';
import { extraArgsWarnings, skipPermissionWarning } from './skip-permissions.js';
import { agentPrompt } from './task-prompt.js';

/** Claude Code's `--permission-mode` values. */
export const CLAUDE_PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions'] as const;
/** One of {@link CLAUDE_PERMISSION_MODES}. */
export type ClaudePermissionMode = (typeof CLAUDE_PERMISSION_MODES)[number];

/** Tools every task needs: read and edit files in the worktree, search it. */
export const CLAUDE_DEFAULT_TOOLS = ['Read', 'Edit', 'Write', 'Glob', 'Grep'] as const;

/** Tools of a read-only run (`request.readOnly`): look, never touch. */
export const CLAUDE_READ_ONLY_TOOLS = ['Read', 'Glob', 'Grep'] as const;
/** Tools a read-only run refuses outright, whatever the permission mode would allow. */
export const CLAUDE_READ_ONLY_DENIED = ['Edit', 'Write', 'NotebookEdit', 'Bash', 'ExitPlanMode'] as const;

/** How to run Claude Code (config: `agents.<name>` with `type: claude`). */
export interface ClaudeOptions {
  /** The program; default `claude`, looked up on PATH. */
  binary?: string;
  /** `--model`, e.g. `sonnet`; Claude Code's own default when absent. */
  model?: string;
  /** `--permission-mode`; default `acceptEdits`: file edits go through, anything else needs an allow rule. */
  permissionMode?: ClaudePermissionMode;
  /** Allow rules added to the defaults (`Read`, `Edit`, `Write`, `Glob`, `Grep`, `Bash(<verify>)`), e.g. `Bash(npm run lint)`. */
  allowedTools?: string[];
  /** `--disallowedTools` rules; Claude Code lets them win over allow rules. */
  disallowedTools?: string[];
  /** Build commands the agent may run besides the task's verify command; each becomes `Bash(<command>)`. */
  buildCommands?: string[];
  /** `--max-turns`: stop after this many agentic turns (a stop is a failure that is not retried). */
  maxTurns?: number;
  /** `--max-budget-usd`: stop when the run has cost this much. */
  maxBudgetUsd?: number;
  /** Arguments appended as given (skip-permission flags among them are logged as warnings). */
  extraArgs?: string[];
  /** `--dangerously-skip-permissions` instead of a permission mode: every tool runs unasked. Off unless set. */
  dangerouslySkipPermissions?: boolean;
  /** Extra environment variables for the process (values of KEY/TOKEN/SECRET/PASSWORD names never reach the log). */
  env?: Record<string, string>;
  /** Where a relative `binary` path is taken from (the repository root); the current directory if absent. */
  baseDir?: string;
}

/** The config entry of a `claude` agent, checked when config loads. */
export const claudeConfigSchema = z.strictObject({
  type: z.literal('claude'),
  binary: binarySchema.optional(),
  model: z.string().min(1).optional(),
  permissionMode: z.enum(CLAUDE_PERMISSION_MODES).optional(),
  allowedTools: ruleListSchema.optional(),
  disallowedTools: ruleListSchema.optional(),
  buildCommands: ruleListSchema.optional(),
  maxTurns: z.number().int().positive().optional(),
  maxBudgetUsd: z.number().positive().optional(),
  extraArgs: extraArgsSchema.optional(),
  dangerouslySkipPermissions: z.boolean().optional(),
  env: envSchema.optional(),
});

/** The arguments that continue Claude Code session `sessionId` (the `=` form: a bare id may read as a prompt). */
export function claudeResumeArgs(sessionId: string): string[] {
  return [`--resume=${sessionId}`];
}

/**
 * The arguments of one attempt: `-p <prompt> --output-format stream-json --verbose` (print
 * mode needs `--verbose` for stream-json), then the least permissions that work, then options.
 * The prompt comes first: `--allowedTools` takes several values and would swallow it.
 */
export function claudeArgs(
  name: string,
  request: AgentRequest,
  options: ClaudeOptions,
  prompt: string,
): { args: string[]; warnings: string[] } {
  const args = ['-p', prompt, '--output-format', 'stream-json', '--verbose'];
  const warnings: string[] = [];
  if (request.readOnly) {
    // Plan mode reads and writes nothing; ExitPlanMode is off because headless nobody can
    // approve it, and the answer must come as the final message instead.
    args.push('--permission-mode', 'plan', '--allowedTools', CLAUDE_READ_ONLY_TOOLS.join(','));
    args.push(
      '--disallowedTools',
      [...CLAUDE_READ_ONLY_DENIED, ...(options.disallowedTools ?? [])].join(','),
    );
  } else if (options.dangerouslySkipPermissions) {
    args.push('--dangerously-skip-permissions');
    warnings.push(
      skipPermissionWarning(
        name,
        `--dangerously-skip-permissions (agents.${name}.dangerouslySkipPermissions)`,
      ),
    );
  } else {
    const mode = options.permissionMode ?? 'acceptEdits';
    args.push('--permission-mode', mode);
    if (mode === 'bypassPermissions') {
      warnings.push(
        skipPermissionWarning(name, `--permission-mode bypassPermissions (agents.${name}.permissionMode)`),
      );
    }
  }
  if (!request.readOnly) {
    args.push('--allowedTools', claudeAllowedTools(request, options).join(','));
    if (options.disallowedTools?.length) args.push('--disallowedTools', options.disallowedTools.join(','));
  }
  if (options.model) args.push('--model', options.model);
  if (options.maxTurns !== undefined) args.push('--max-turns', String(options.maxTurns));
  const budget = [options.maxBudgetUsd, request.maxBudgetUsd].filter((b): b is number => b !== undefined);
  if (budget.length) args.push('--max-budget-usd', String(Math.min(...budget)));
  const extra = options.extraArgs ?? [];
  args.push(...extra);
  warnings.push(...extraArgsWarnings(name, extra));
  return { args, warnings };
}

/** The allow rules: file tools, `Bash(<verify>)`, `Bash(<build command>)` each, then configured ones. */
export function claudeAllowedTools(request: AgentRequest, options: ClaudeOptions): string[] {
  const commands = [request.task.verify, ...(options.buildCommands ?? [])].filter(
    (c): c is string => c !== undefined && c.trim() !== '',
  );
  const rules = [
    ...CLAUDE_DEFAULT_TOOLS,
    ...commands.map((c) => `Bash(${c.trim()})`),
    ...(options.allowedTools ?? []),
  ];
  return [...new Set(rules)];
}

/** The `claude` agent: Claude Code in print mode, reading its stream-json output. */
export function createClaudeAdapter(name = 'claude', options: ClaudeOptions = {}): AgentAdapter {
  const binary = options.binary ?? 'claude';
  return {
    name,
    probe: () => probeCodingAgent(binary, options.baseDir),
    run: (request, signal) => {
      const prompt = agentPrompt(request);
      const { args, warnings } = claudeArgs(name, request, options, prompt);
      const command: CodingAgentCommand = {
        name,
        kind: 'claude',
        binary,
        args,
        prompt,
        // CLAUDECODE set would make the child believe it runs nested inside Claude Code.
        env: { ...options.env, ...agentEnv(request), CLAUDECODE: undefined },
        warnings,
        reader: createClaudeStreamReader(),
        ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
      };
      return runCodingAgent(command, request, signal);
    },
    resumeArgs: claudeResumeArgs,
  };
}
