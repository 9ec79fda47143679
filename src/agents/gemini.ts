import { z } from 'zod';
import type { AgentAdapter } from './adapter.js';
import { agentEnv } from './agent-process.js';
import type { CodingAgentCommand } from './coding-agent.js';
import { probeCodingAgent, runCodingAgent } from './coding-agent.js';
import { binarySchema, envSchema, extraArgsSchema, ruleListSchema } from './config-fields.js';
import { createGeminiStreamReader } from './gemini-stream.js';
import { extraArgsWarnings, skipPermissionWarning } from './skip-permissions.js';
import { agentPrompt } from './task-prompt.js';

/** Gemini CLI's `--approval-mode` values. */
export const GEMINI_APPROVAL_MODES = ['default', 'auto_edit', 'yolo', 'plan'] as const;
/** One of {@link GEMINI_APPROVAL_MODES}. */
export type GeminiApprovalMode = (typeof GEMINI_APPROVAL_MODES)[number];

/** How to run the Gemini CLI (config: `agents.<name>` with `type: gemini`). */
export interface GeminiOptions {
  /** The program; default `gemini`, looked up on PATH. */
  binary?: string;
  /** `-m`, e.g. `gemini-2.5-pro`; Gemini CLI's own default when absent. */
  model?: string;
  /** `--approval-mode`; default `auto_edit`: file edits go through, shell commands are not approved. */
  approvalMode?: GeminiApprovalMode;
  /** `--allowed-tools` rules that run without approval, e.g. `run_shell_command(npm test)`. None by default. */
  allowedTools?: string[];
  /**
   * Trust the task's worktree (sets `GEMINI_CLI_TRUST_WORKSPACE=true`); default true, since
   * headless Gemini CLI refuses untrusted folders (exit 55) and worktrees are new folders.
   */
  trustWorkspace?: boolean;
  /** Arguments appended as given (skip-permission flags among them are logged as warnings). */
  extraArgs?: string[];
  /** Extra environment variables for the process (values of KEY/TOKEN/SECRET/PASSWORD names never reach the log). */
  env?: Record<string, string>;
  /** Where a relative `binary` path is taken from (the repository root); the current directory if absent. */
  baseDir?: string;
}

/** The config entry of a `gemini` agent, checked when config loads. */
export const geminiConfigSchema = z.strictObject({
  type: z.literal('gemini'),
  binary: binarySchema.optional(),
  model: z.string().min(1).optional(),
  approvalMode: z.enum(GEMINI_APPROVAL_MODES).optional(),
  allowedTools: ruleListSchema.optional(),
  trustWorkspace: z.boolean().optional(),
  extraArgs: extraArgsSchema.optional(),
  env: envSchema.optional(),
});

/**
 * The arguments that continue Gemini session `sessionId`. Gemini keeps sessions per project
 * folder, so this works only in the same worktree path.
 */
export function geminiResumeArgs(sessionId: string): string[] {
  return ['--resume', sessionId];
}

/**
 * The arguments of one attempt: `-p <prompt> --output-format stream-json --approval-mode <mode> [...]`.
 * A read-only run gets `default` and no allow rules: headless, Gemini CLI then denies every tool
 * that needs approval (edits, shell). Not `plan`: it is gated behind a setting in some versions
 * and, headless, may switch itself to yolo when it leaves plan mode.
 */
export function geminiArgs(
  name: string,
  options: GeminiOptions,
  prompt: string,
  readOnly = false,
): { args: string[]; warnings: string[] } {
  const mode = readOnly ? 'default' : (options.approvalMode ?? 'auto_edit');
  const args = ['-p', prompt, '--output-format', 'stream-json', '--approval-mode', mode];
  const warnings: string[] = [];
  if (mode === 'yolo') {
    warnings.push(skipPermissionWarning(name, `--approval-mode yolo (agents.${name}.approvalMode)`));
  }
  if (options.model) args.push('-m', options.model);
  // One flag per rule: yargs arrays would swallow a following positional.
  for (const rule of readOnly ? [] : (options.allowedTools ?? [])) args.push('--allowed-tools', rule);
  const extra = options.extraArgs ?? [];
  args.push(...extra);
  warnings.push(...extraArgsWarnings(name, extra));
  return { args, warnings };
}

/** The `gemini` agent: Gemini CLI in headless mode, reading its stream-json output. */
export function createGeminiAdapter(name = 'gemini', options: GeminiOptions = {}): AgentAdapter {
  const binary = options.binary ?? 'gemini';
  return {
    name,
    probe: () => probeCodingAgent(binary, options.baseDir),
    run: (request, signal) => {
      const prompt = agentPrompt(request);
      const { args, warnings } = geminiArgs(name, options, prompt, request.readOnly ?? false);
      const command: CodingAgentCommand = {
        name,
        kind: 'gemini',
        binary,
        args,
        prompt,
        env: {
          ...(options.trustWorkspace === false ? {} : { GEMINI_CLI_TRUST_WORKSPACE: 'true' }),
          ...options.env,
          ...agentEnv(request),
        },
        warnings,
        reader: createGeminiStreamReader(),
        ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
      };
      return runCodingAgent(command, request, signal);
    },
    resumeArgs: geminiResumeArgs,
  };
}
