/** Names of variables whose values must never reach a log: API keys, tokens, passwords. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;
/** Shorter values are not redacted: replacing "1" everywhere would garble the log. */
const MIN_SECRET_LENGTH = 6;
const MASK = '***';

/** Whether a variable's name says its value is a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The values of the secret-named variables of `envs`, longest first (so a prefix never wins). */
export function secretValues(...envs: Array<Readonly<Record<string, string | undefined>>>): string[] {
  const values = new Set<string>();
  for (const env of envs) {
    for (const [name, value] of Object.entries(env)) {
      if (value !== undefined && value.length >= MIN_SECRET_LENGTH && isSecretName(name)) values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every secret value replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}

/** The environment overrides of a run, for the log: secrets masked, removed variables marked. */
export function describeEnv(env: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(env)
    .map(([name, value]) =>
      value === undefined ? `-${name}` : `${name}=${isSecretName(name) ? MASK : JSON.stringify(value)}`,
    )
    .join(' ');
}
