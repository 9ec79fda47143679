import { z } from 'zod';
import type { AgentAdapter, AgentRequest } from './adapter.js';
import { agentEnv } from './agent-process.js';
import { createClaudeStreamReader } from './claude-stream.js';
import type { LoginCheck } from './coding-agent.js';
import { codingAgentAdapter, probeCodingAgent } from './coding-agent.js';
import { binarySchema, envSchema, extraArgsSchema, ruleListSchema } from './config-fields.js';
import type { PermissionLevel } from './permissions.js';
import { CLAUDE_FORBIDDEN_TOOLS, CLAUDE_TOOLS, permissionLevel, toolName } from './permissions.js';
import { extraArgsWarnings, skipPermissionWarning } from './skip-permissions.js';

/** Claude Code's `--permission-mode` values. */
export const CLAUDE_PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions'] as const;
/** One of {@link CLAUDE_PERMISSION_MODES}. */
export type ClaudePermissionMode = (typeof CLAUDE_PERMISSION_MODES)[number];

/** Allow rules every task gets: read and edit files in the worktree, search it. */
export const CLAUDE_DEFAULT_TOOLS = ['Read', 'Edit', 'Write', 'Glob', 'Grep'] as const;

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
  /**
   * The tools the agent has at all (`--tools`), replacing the level's list (see
   * {@link CLAUDE_TOOLS}); `EnterWorktree`, `ExitWorktree` and the scheduling tools are refused.
   * Read-only runs ignore it.
   */
  tools?: string[];
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
  tools: ruleListSchema
    .refine((tools) => !tools.some((t) => (CLAUDE_FORBIDDEN_TOOLS as readonly string[]).includes(t)), {
      error: `must not contain ${CLAUDE_FORBIDDEN_TOOLS.join(', ')}: they leave the task's worktree or outlive the run`,
    })
    .optional(),
  disallowedTools: ruleListSchema.optional(),
  buildCommands: ruleListSchema.optional(),
  maxTurns: z.number().int().positive().optional(),
  maxBudgetUsd: z.number().positive().optional(),
  extraArgs: extraArgsSchema.optional(),
  dangerouslySkipPermissions: z.boolean().optional(),
  env: envSchema.optional(),
});

/**
 * `claude auth status` (Claude Code 2.1+) prints JSON with `loggedIn`; an API key or token in
 * the environment authenticates without a login.
 */
export const CLAUDE_LOGIN: LoginCheck = {
  args: ['auth', 'status'],
  read: (stdout) => {
    const start = stdout.indexOf('{');
    if (start === -1) return undefined;
    try {
      const status: unknown = JSON.parse(stdout.slice(start));
      const loggedIn = (status as { loggedIn?: unknown } | null)?.loggedIn;
      return typeof loggedIn === 'boolean' ? loggedIn : undefined;
    } catch {
      return undefined;
    }
  },
  envKeys: [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'CLAUDE_CODE_OAUTH_TOKEN',
    'CLAUDE_CODE_USE_BEDROCK',
    'CLAUDE_CODE_USE_VERTEX',
    'CLAUDE_CODE_USE_FOUNDRY',
  ],
  hint: 'run `claude` and /login, or set ANTHROPIC_API_KEY',
};

/** The arguments that continue Claude Code session `sessionId` (the `=` form: a bare id may read as a prompt). */
export function claudeResumeArgs(sessionId: string): string[] {
  return [`--resume=${sessionId}`];
}

/**
 * The arguments of one attempt: `-p <prompt> --output-format stream-json --verbose` (print
 * mode needs `--verbose` for stream-json), then the permission mode, the exact tool list of the
 * run's {@link PermissionLevel} (`--tools`), the allow rules, `--strict-mcp-config` (no MCP
 * server from the repository or the user's config), then options. The prompt comes first:
 * `--allowedTools` takes several values and would swallow it.
 */
export function claudeArgs(
  name: string,
  request: AgentRequest,
  options: ClaudeOptions,
  prompt: string,
): { args: string[]; warnings: string[] } {
  const args = ['-p', prompt, '--output-format', 'stream-json', '--verbose'];
  const warnings: string[] = [];
  const mode = options.permissionMode ?? 'acceptEdits';
  const skips = options.dangerouslySkipPermissions === true || mode === 'bypassPermissions';
  const level = permissionLevel(request.readOnly, skips);
  if (level === 'read-only') {
    // Plan mode plus exactly Read, Glob, Grep: nothing else exists in the session (capture
    // claude-tools-flag). ExitPlanMode is not among them: headless nobody could approve it.
    args.push('--permission-mode', 'plan', '--tools', CLAUDE_TOOLS['read-only'].join(','));
    args.push('--strict-mcp-config');
  } else {
    if (options.dangerouslySkipPermissions) {
      args.push('--dangerously-skip-permissions');
      warnings.push(
        skipPermissionWarning(
          name,
          `--dangerously-skip-permissions (agents.${name}.dangerouslySkipPermissions)`,
        ),
      );
    } else {
      args.push('--permission-mode', mode);
      if (mode === 'bypassPermissions') {
        warnings.push(
          skipPermissionWarning(name, `--permission-mode bypassPermissions (agents.${name}.permissionMode)`),
        );
      }
    }
    args.push('--tools', claudeTools(level, options).join(','));
    args.push('--allowedTools', claudeAllowedTools(request, options).join(','));
    args.push('--strict-mcp-config');
    if (options.disallowedTools?.length) args.push('--disallowedTools', options.disallowedTools.join(','));
  }
  if (options.model) args.push('--model', options.model);
  if (options.maxTurns !== undefined) args.push('--max-turns', String(options.maxTurns));
  const budget = [options.maxBudgetUsd, request.maxBudgetUsd].filter((b): b is number => b !== undefined);
  if (budget.length) args.push('--max-budget-usd', String(Math.min(...budget)));
  if (request.resumeSessionId !== undefined) args.push(...claudeResumeArgs(request.resumeSessionId));
  const extra = options.extraArgs ?? [];
  args.push(...extra);
  warnings.push(...extraArgsWarnings(name, extra));
  return { args, warnings };
}

/**
 * The tools a task run has (`--tools`): the configured list, else the level's; never the
 * forbidden ones. Tools named in allow rules are added (an allow rule for a tool the session
 * lacks would do nothing).
 */
export function claudeTools(level: Exclude<PermissionLevel, 'read-only'>, options: ClaudeOptions): string[] {
  const base = options.tools ?? CLAUDE_TOOLS[level];
  const fromRules = (options.allowedTools ?? []).map(toolName);
  const forbidden: readonly string[] = CLAUDE_FORBIDDEN_TOOLS;
  return [...new Set([...base, ...fromRules])].filter((t) => t !== '' && !forbidden.includes(t));
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
  return codingAgentAdapter(name, {
    kind: 'claude',
    binary,
    baseDir: options.baseDir,
    args: (request, prompt) => claudeArgs(name, request, options, prompt),
    // CLAUDECODE set would make the child believe it runs nested inside Claude Code.
    env: (request) => ({ ...options.env, ...agentEnv(request), CLAUDECODE: undefined }),
    reader: createClaudeStreamReader,
    resumeArgs: claudeResumeArgs,
    probe: () => probeCodingAgent(binary, options.baseDir, CLAUDE_LOGIN, options.env),
  });
}
