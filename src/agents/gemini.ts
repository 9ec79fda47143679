import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { AgentAdapter } from './adapter.js';
import { agentEnv } from './agent-process.js';
import { codingAgentAdapter } from './coding-agent.js';
import { binarySchema, envSchema, extraArgsSchema, ruleListSchema } from './config-fields.js';
import { createGeminiStreamReader } from './gemini-stream.js';
import { GEMINI_WRITE_TOOLS } from './permissions.js';
import { extraArgsWarnings, skipPermissionWarning } from './skip-permissions.js';

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
  /**
   * Tools that run without approval, e.g. `run_shell_command(npm test)`: written as `allow` rules
   * of a policy file passed with `--policy` (Gemini's `--allowed-tools` is deprecated). None by default.
   */
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
 * The arguments of one attempt: `-p <prompt> --output-format stream-json --approval-mode <mode>
 * [--policy <file>] [...]`. A read-only run gets `default` plus a policy denying every tool that
 * writes or runs commands (headless, `default` already denies what needs approval). Not `plan`:
 * gated behind a setting in some versions, and it may switch itself to yolo when it ends
 * headless. Allow rules go into the policy file: `--allowed-tools` is deprecated (removed in 1.0).
 */
export function geminiArgs(
  name: string,
  options: GeminiOptions,
  prompt: string,
  readOnly = false,
  policyFile?: string,
  resumeSessionId?: string,
): { args: string[]; warnings: string[] } {
  const mode = readOnly ? 'default' : (options.approvalMode ?? 'auto_edit');
  const args = ['-p', prompt, '--output-format', 'stream-json', '--approval-mode', mode];
  const warnings: string[] = [];
  if (mode === 'yolo') {
    warnings.push(skipPermissionWarning(name, `--approval-mode yolo (agents.${name}.approvalMode)`));
  }
  if (options.model) args.push('-m', options.model);
  if (policyFile !== undefined) args.push('--policy', policyFile);
  if (resumeSessionId !== undefined) args.push(...geminiResumeArgs(resumeSessionId));
  const extra = options.extraArgs ?? [];
  args.push(...extra);
  warnings.push(...extraArgsWarnings(name, extra));
  return { args, warnings };
}

/**
 * The run's Gemini policy (TOML, Gemini CLI's policy engine), or `null` when none is needed:
 * read-only runs deny every writing tool; otherwise each `allowedTools` rule
 * (`run_shell_command(npm test)`, `write_file`) becomes an `allow` rule.
 */
export function geminiPolicy(options: GeminiOptions, readOnly: boolean): string | null {
  const rules: string[] = [];
  if (readOnly) {
    for (const tool of GEMINI_WRITE_TOOLS) rules.push(policyRule(tool, undefined, 'deny', 900));
  } else {
    for (const rule of options.allowedTools ?? []) {
      const match = /^([\w.-]+)\((.*)\)$/.exec(rule.trim());
      rules.push(
        match
          ? policyRule(match[1]!, match[2]!.trim(), 'allow', 100)
          : policyRule(rule.trim(), undefined, 'allow', 100),
      );
    }
  }
  return rules.length === 0 ? null : `# written by milestone for one attempt\n${rules.join('\n')}`;
}

function policyRule(
  tool: string,
  commandPrefix: string | undefined,
  decision: string,
  priority: number,
): string {
  // JSON strings are valid TOML basic strings.
  const prefix = commandPrefix === undefined ? '' : `commandPrefix = ${JSON.stringify(commandPrefix)}\n`;
  return `[[rule]]\ntoolName = ${JSON.stringify(tool)}\n${prefix}decision = "${decision}"\npriority = ${priority}\n`;
}

/** Writes the policy beside the attempt log (private, outside the worktree, so never committed). */
function writePolicy(logFile: string, text: string): string {
  const file = `${logFile.replace(/\.log$/, '')}.gemini-policy.toml`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** The `gemini` agent: Gemini CLI in headless mode, reading its stream-json output. */
export function createGeminiAdapter(name = 'gemini', options: GeminiOptions = {}): AgentAdapter {
  return codingAgentAdapter(name, {
    kind: 'gemini',
    binary: options.binary ?? 'gemini',
    baseDir: options.baseDir,
    args: (request, prompt) => {
      const readOnly = request.readOnly ?? false;
      const policy = geminiPolicy(options, readOnly);
      const policyFile = policy === null ? undefined : writePolicy(request.logFile, policy);
      return geminiArgs(name, options, prompt, readOnly, policyFile, request.resumeSessionId);
    },
    env: (request) => ({
      ...(options.trustWorkspace === false ? {} : { GEMINI_CLI_TRUST_WORKSPACE: 'true' }),
      ...options.env,
      ...agentEnv(request),
    }),
    reader: createGeminiStreamReader,
    resumeArgs: geminiResumeArgs,
  });
}
