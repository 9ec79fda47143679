import { z } from 'zod';
import { placeInConfig } from '../config/config-positions.js';
import type { Problem } from '../errors.js';
import { type FieldPath, formatFieldPath } from '../plan/field-path.js';
import type { AgentAdapter } from './adapter.js';
import { claudeConfigSchema, createClaudeAdapter } from './claude.js';
import { codexConfigSchema, createCodexAdapter } from './codex.js';
import { definedFields, envSchema } from './config-fields.js';
import { createExecAdapter } from './exec.js';
import { createGeminiAdapter, geminiConfigSchema } from './gemini.js';
import { createShellAdapter } from './shell.js';

/** Config of an `exec` agent: any program speaking the exec protocol. */
const execEntrySchema = z.strictObject({
  type: z.literal('exec'),
  /** Program and arguments; a relative program path is taken from the repository root. */
  command: z
    .array(z.string().min(1, 'must not be empty'), {
      error: 'must be a list of strings, e.g. ["node", "agent.mjs"]',
    })
    .min(1, 'must name a program'),
  /** Extra environment variables for the program. */
  env: envSchema.optional(),
});

/** Config of another `shell` agent (the built-in one needs none). */
const shellEntrySchema = z.strictObject({ type: z.literal('shell') });

/** What turning config into adapters needs to know about where the config came from. */
export interface ResolveAgentsOptions {
  /** The config file, named in problems. */
  file?: string;
  /** The repository root: relative program paths resolve against it. */
  baseDir?: string;
  /**
   * The config's other fields naming agents (`resolver.agent`, `fallback`): each name must be an
   * agent here, or it is a problem at its place (a typo there would otherwise never run anything).
   */
  roles?: { resolver: string | null; fallback: Readonly<Record<string, readonly string[]>> };
}

/** Checks one config entry of a given `type` and makes its adapter, or says what is wrong. */
type AgentFactory = (
  name: string,
  entry: unknown,
  options: ResolveAgentsOptions,
) => { adapter: AgentAdapter } | { issues: z.ZodError['issues'] };

function agentFactory<T>(
  schema: z.ZodType<T>,
  create: (name: string, entry: T, options: ResolveAgentsOptions) => AgentAdapter,
): AgentFactory {
  return (name, entry, options) => {
    const parsed = schema.safeParse(entry);
    return parsed.success ? { adapter: create(name, parsed.data, options) } : { issues: parsed.error.issues };
  };
}

/** Config entry types and their adapters, each with its own option schema. */
const FACTORIES: Record<string, AgentFactory> = {
  exec: agentFactory(execEntrySchema, (name, entry, options) =>
    createExecAdapter({
      name,
      command: entry.command,
      ...(entry.env === undefined ? {} : { env: entry.env }),
      ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
    }),
  ),
  shell: agentFactory(shellEntrySchema, (name) => createShellAdapter(name)),
  claude: agentFactory(claudeConfigSchema, (name, { type: _, ...entry }, options) =>
    createClaudeAdapter(name, definedFields({ ...entry, baseDir: options.baseDir })),
  ),
  codex: agentFactory(codexConfigSchema, (name, { type: _, ...entry }, options) =>
    createCodexAdapter(name, definedFields({ ...entry, baseDir: options.baseDir })),
  ),
  gemini: agentFactory(geminiConfigSchema, (name, { type: _, ...entry }, options) =>
    createGeminiAdapter(name, definedFields({ ...entry, baseDir: options.baseDir })),
  ),
};

/** Agent names: safe in file names, log lines and plan files. */
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * The agents available without any config: `shell`, and `claude`, `codex`, `gemini` with
 * their defaults (whether their program is installed is for `probe()` to say).
 */
export function builtinAdapters(): Map<string, AgentAdapter> {
  return new Map([
    ['shell', createShellAdapter()],
    ['claude', createClaudeAdapter()],
    ['codex', createCodexAdapter()],
    ['gemini', createGeminiAdapter()],
  ]);
}

/**
 * The built-in agents plus those defined in config (a configured name replaces a built-in one).
 * Each bad entry becomes a problem naming its field; the good ones still resolve.
 */
export function resolveAgents(
  config: Readonly<Record<string, unknown>> | undefined,
  options: ResolveAgentsOptions = {},
): { adapters: Map<string, AgentAdapter>; problems: Problem[]; disabled: Set<string> } {
  const adapters = builtinAdapters();
  const found: Array<{ problem: Problem; path: FieldPath; target?: 'key' }> = [];
  const disabled = new Set<string>();
  /** A problem at `path` of the config file (its line and column found below). */
  const problemAt = (path: FieldPath, field: string, message: string, target?: 'key'): void => {
    found.push({
      problem: {
        code: 'MILESTONE_CONFIG_AGENT',
        message,
        location: { ...(options.file === undefined ? {} : { file: options.file }), field },
      },
      path,
      ...(target ? { target } : {}),
    });
  };
  /** A problem in the `agents:` section. */
  const problem = (path: FieldPath, message: string, target?: 'key'): void =>
    problemAt(['agents', ...path], ['agents', ...path].join('.'), message, target);
  const known = Object.keys(FACTORIES).join(', ');
  for (const [name, entry] of Object.entries(config ?? {})) {
    if (!AGENT_NAME.test(name)) {
      problem(
        [name],
        `agent name ${JSON.stringify(name)} may use letters, digits, ".", "_" and "-" only`,
        'key',
      );
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problem([name], `must be an object with a type (one of: ${known})`);
      continue;
    }
    if ((entry as { disabled?: unknown }).disabled === true) {
      // `{ disabled: true }` switches a built-in (or any agent) off: `milestone agents` says so.
      adapters.delete(name);
      disabled.add(name);
      continue;
    }
    const type: unknown = (entry as { type?: unknown }).type;
    const factory = typeof type === 'string' && Object.hasOwn(FACTORIES, type) ? FACTORIES[type] : undefined;
    if (!factory) {
      problem([name, 'type'], `unknown agent type ${JSON.stringify(type ?? null)} (one of: ${known})`);
      continue;
    }
    const made = factory(name, entry, options);
    if ('adapter' in made) {
      adapters.set(name, made.adapter);
      continue;
    }
    for (const issue of made.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      const at = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
      for (const key of keys) {
        if (key === undefined) problem([name, ...at], issue.message);
        else problem([name, ...at, key], 'unknown field', 'key');
      }
    }
  }
  if (options.roles) {
    const named = (path: FieldPath, name: string, target?: 'key') => {
      if (adapters.has(name)) return;
      const why = disabled.has(name)
        ? `agent ${JSON.stringify(name)} is disabled in config`
        : `agent ${JSON.stringify(name)} is not configured (known: ${[...adapters.keys()].join(', ')})`;
      problemAt(path, formatFieldPath(path), why, target);
    };
    if (options.roles.resolver !== null) named(['resolver', 'agent'], options.roles.resolver);
    for (const [primary, others] of Object.entries(options.roles.fallback)) {
      named(['fallback', primary], primary, 'key');
      for (const [index, other] of others.entries()) named(['fallback', primary, index], other);
    }
  }
  // Placed at their line and column in the config file, which is read again for them only.
  const problems =
    found.length && options.file !== undefined
      ? placeInConfig(options.file, found)
      : found.map(({ problem }) => problem);
  return { adapters, problems, disabled };
}
