/**
 * The one redaction of milestone: every line a child process prints (agents, `run` commands,
 * verify, setup, integration checks, git) passes through {@link createRedactor} in
 * `runProcess` before any sink sees it, so attempt logs, events, NDJSON, status, MCP replies,
 * the dashboard, notifications and the review packet only ever hold the marker. Text that does
 * not come from a process but may quote a secret (a plan's verify command echoed in a reason)
 * goes through {@link redactSecrets}, the same function.
 */

/** What replaces a secret. Plain ASCII: it is safe inside JSON strings, Markdown and HTML. */
export const REDACTED = '[redacted]';

/** Names of variables whose values are secrets: API keys, tokens, passwords, credentials. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH(?!OR)/i;
/** Secret-looking names that hold no secret (a socket path). */
const NOT_SECRET = new Set(['SSH_AUTH_SOCK']);
/** Shorter values are not redacted: replacing "1" everywhere would garble the log. */
const MIN_SECRET_LENGTH = 6;

/**
 * Well-known credential shapes, redacted wherever they appear, set in the environment or not:
 * Anthropic and OpenAI keys, GitHub tokens, Slack tokens, AWS access key ids, Google API keys.
 */
const TOKEN_SHAPES =
  /(?<![\w-])(?:sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})(?![\w])/g;

/** Extra names from config (`secrets.names`), matched like the built-in words. */
let configuredNames: string[] = [];

/**
 * Adds the project's own secret variable names (config `secrets.names`, e.g. `DEPLOY_PHRASE`):
 * a name containing one of them (case-insensitive) is secret too. Set once per process, when
 * the workspace's config is read.
 */
export function useSecretNames(names: readonly string[]): void {
  configuredNames = names.map((name) => name.toUpperCase()).filter((name) => name !== '');
  secretNames.clear();
}

/** {@link isSecretName} by name: every process milestone starts asks again about the same variables. */
const secretNames = new Map<string, boolean>();

/** Whether a variable's name says its value is a secret. */
export function isSecretName(name: string): boolean {
  let secret = secretNames.get(name);
  if (secret === undefined) {
    secret = nameSaysSecret(name);
    secretNames.set(name, secret);
  }
  return secret;
}

function nameSaysSecret(name: string): boolean {
  if (NOT_SECRET.has(name)) return false;
  if (SECRET_NAME.test(name)) return true;
  const upper = name.toUpperCase();
  return configuredNames.some((word) => upper.includes(word));
}

/** The values of the secret-named variables of `envs`, longest first (so a prefix never wins). */
export function secretValues(...envs: Array<Readonly<Record<string, string | undefined>>>): string[] {
  const values = new Set<string>();
  for (const env of envs) {
    for (const name in env) {
      const value = env[name];
      if (value === undefined || value.length < MIN_SECRET_LENGTH || !isSecretName(name)) continue;
      values.add(value);
      // In a JSON line (an agent's stream) a quote or backslash in the value appears escaped.
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value) values.add(escaped);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with each of `secrets` and every well-known token shape replaced by {@link REDACTED}. */
export function redactValues(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  // A shape must contain a digit: kebab-case words such as `sk-learn-pipeline-...` are no keys.
  return out.replace(TOKEN_SHAPES, (match) => (/\d/.test(match) ? REDACTED : match));
}

/** A redaction for the output of one process: the secrets of its environment, looked up once. */
export function createRedactor(
  env: Readonly<Record<string, string | undefined>> = process.env,
): (text: string) => string {
  const secrets = secretValues(env);
  return (text) => redactValues(text, secrets);
}

/**
 * `text` with the secrets of `env` (default: milestone's own environment) and every
 * well-known token shape replaced by {@link REDACTED}.
 */
export function redactSecrets(
  text: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return redactValues(text, secretValues(env));
}

/**
 * `value` with {@link redactSecrets} applied to every string inside it (objects and arrays
 * copied, other values kept): for what an agent's stream reader assembled from several lines,
 * such as Gemini's delta messages, where a secret may be cut in two.
 */
export function redactDeep<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, redact);
    return out as T;
  }
  return value;
}
