import { z } from 'zod';
import type { AgentAdapter, AgentRequest } from './adapter.js';
import { agentEnv } from './agent-process.js';
import { createCodexStreamReader } from './codex-stream.js';
import { codingAgentAdapter } from './coding-agent.js';
import { binarySchema, envSchema, extraArgsSchema } from './config-fields.js';
import { extraArgsWarnings, skipPermissionWarning } from './skip-permissions.js';

/** Codex's `--sandbox` policies, least permission first. */
export const CODEX_SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
/** One of {@link CODEX_SANDBOXES}. */
export type CodexSandbox = (typeof CODEX_SANDBOXES)[number];

/** How to run the Codex CLI (config: `agents.<name>` with `type: codex`). */
export interface CodexOptions {
  /** The program; default `codex`, looked up on PATH. */
  binary?: string;
  /** `-m`, e.g. `gpt-5-codex`; Codex's own default when absent. */
  model?: string;
  /** `--sandbox`; default `workspace-write`: writes inside the worktree only, no network. */
  sandbox?: CodexSandbox;
  /** `--skip-git-repo-check`: run outside a git repository (task worktrees are repositories; off by default). */
  skipGitRepoCheck?: boolean;
  /** Arguments appended before the prompt (skip-permission flags among them are logged as warnings). */
  extraArgs?: string[];
  /** Extra environment variables for the process (values of KEY/TOKEN/SECRET/PASSWORD names never reach the log). */
  env?: Record<string, string>;
  /** Where a relative `binary` path is taken from (the repository root); the current directory if absent. */
  baseDir?: string;
}

/** The config entry of a `codex` agent, checked when config loads. */
export const codexConfigSchema = z.strictObject({
  type: z.literal('codex'),
  binary: binarySchema.optional(),
  model: z.string().min(1).optional(),
  sandbox: z.enum(CODEX_SANDBOXES).optional(),
  skipGitRepoCheck: z.boolean().optional(),
  extraArgs: extraArgsSchema.optional(),
  env: envSchema.optional(),
});

/**
 * The arguments that continue Codex thread `sessionId` (its `thread_id`): they go after every
 * `exec` option and before the prompt (`exec --json -C <dir> ... resume <id> <prompt>`); Codex
 * 0.171 rejects options after `resume` ("unexpected argument '-C'", capture codex-resume-layout).
 */
export function codexResumeArgs(sessionId: string): string[] {
  return ['resume', sessionId];
}

/**
 * The arguments of one attempt: `exec --json -C <worktree> --sandbox <policy> [...] [resume <id>]
 * <prompt>`. `read-only` for read-only runs, else the configured sandbox (`workspace-write`:
 * writes in the worktree only, no network; `codex exec` never asks for approval, so anything
 * outside the sandbox fails instead of waiting).
 */
export function codexArgs(
  name: string,
  request: AgentRequest,
  options: CodexOptions,
  prompt: string,
): { args: string[]; warnings: string[] } {
  const sandbox = request.readOnly ? 'read-only' : (options.sandbox ?? 'workspace-write');
  const args = ['exec', '--json', '-C', request.worktree, '--sandbox', sandbox];
  const warnings: string[] = [];
  if (sandbox === 'danger-full-access') {
    warnings.push(skipPermissionWarning(name, `--sandbox danger-full-access (agents.${name}.sandbox)`));
  }
  if (options.skipGitRepoCheck) args.push('--skip-git-repo-check');
  if (options.model) args.push('-m', options.model);
  const extra = options.extraArgs ?? [];
  args.push(...extra);
  if (request.resumeSessionId !== undefined) args.push(...codexResumeArgs(request.resumeSessionId));
  args.push(prompt);
  warnings.push(...extraArgsWarnings(name, extra));
  return { args, warnings };
}

/** The `codex` agent: `codex exec --json`, reading its JSONL events. */
export function createCodexAdapter(name = 'codex', options: CodexOptions = {}): AgentAdapter {
  return codingAgentAdapter(name, {
    kind: 'codex',
    binary: options.binary ?? 'codex',
    baseDir: options.baseDir,
    args: (request, prompt) => codexArgs(name, request, options, prompt),
    env: (request) => ({ ...options.env, ...agentEnv(request) }),
    reader: createCodexStreamReader,
    resumeArgs: codexResumeArgs,
  });
}
