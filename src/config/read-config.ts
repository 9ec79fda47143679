import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Problem } from '../errors.js';
import { UsageError } from '../errors.js';
import { useSecretNames } from '../process/redact-secrets.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { Config } from './config.js';

/** File of the validated config, in the store directory (git-ignored, mode 0700). */
export const CONFIG_CACHE_FILE = 'config.json';

interface CachedConfig {
  /** The schema's build and the config file's text ('' when there is none), as they were. */
  key: string;
  config: Config;
}

/**
 * Reads `.milestones/config.yaml` (the schema's defaults when it does not exist), validated;
 * an invalid file is refused (exit 2) with every problem placed. The validated result is kept
 * in `cacheDir` keyed by the text and the schema module's build, so a command that only reads
 * (`status`, `list`) skips loading the YAML parser and the schema library, most of its start,
 * while nothing changed. Without `cacheDir` (no store yet) nothing is cached.
 */
export async function readConfig(file: string, cacheDir: string | null): Promise<Config> {
  const text = existsSync(file) ? readText(file) : null;
  const cacheFile = cacheDir && existsSync(cacheDir) ? join(cacheDir, CONFIG_CACHE_FILE) : null;
  // The text itself, not a digest of it: hashing would load node:crypto (~15 ms of a read's start).
  const key = `${schemaBuild()}\0${text ?? ''}`;
  const cached = cacheFile ? readCache(cacheFile) : null;
  if (cached?.key === key) {
    useSecretNames(cached.config.secrets.names);
    return cached.config;
  }
  const config = await validate(file, text);
  // Redaction of task output covers the configured names from here on (src/process/redact-secrets.ts).
  useSecretNames(config.secrets.names);
  if (cacheFile) {
    try {
      writeFileAtomic(cacheFile, JSON.stringify({ key, config } satisfies CachedConfig), 0o600);
    } catch {
      // Only an optimisation: a read-only store still reads the config, just slower.
    }
  }
  return config;
}

async function validate(file: string, text: string | null): Promise<Config> {
  // No config file: the schema's defaults, written out (no zod to load for them).
  if (text === null) return (await import('./default-config.js')).SCHEMA_DEFAULTS;
  const { DEFAULT_CONFIG, parseConfig } = await import('./config.js');
  const { readYaml } = await import('../plan/syntax.js');
  // Read like a plan file: merge keys accepted, alias bombs refused, problems with file:line.
  const syntax = readYaml(text, file);
  const { config, problems } = syntax.ok
    ? parseConfig(syntax.value, file, syntax.positionOf)
    : {
        config: DEFAULT_CONFIG,
        problems: syntax.problems.map((p): Problem => ({ ...p, code: 'MILESTONE_CONFIG_YAML' })),
      };
  if (problems.length) throw new UsageError('MILESTONE_CONFIG', `invalid config ${file}`, problems);
  return config;
}

/** The config's text; a folder or an unreadable file in its place is refused naming it (exit 2). */
function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EISDIR'
        ? 'is a directory, not a config file'
        : `cannot be read: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message}`;
    throw new UsageError('MILESTONE_CONFIG', `invalid config ${file}`, [
      { code: 'MILESTONE_CONFIG_FILE', message: why, location: { file } },
    ]);
  }
}

function readCache(file: string): CachedConfig | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<CachedConfig> | null;
    return typeof value?.key === 'string' && value.config ? (value as CachedConfig) : null;
  } catch {
    return null;
  }
}

/**
 * The schema module's size and modification time: a rebuilt (possibly changed) schema never
 * trusts a config validated by the previous one.
 */
function schemaBuild(): string {
  for (const name of ['config.js', 'config.ts']) {
    try {
      // From ../config/, not ./: the read commands' bundle (dist/cli/reads.js) holds this code too.
      const stat = statSync(fileURLToPath(new URL(`../config/${name}`, import.meta.url)));
      return `${name}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      // the other extension (compiled or run from source)
    }
  }
  return 'unknown';
}
