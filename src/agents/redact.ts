import { isSecretName, REDACTED, redactValues, secretValues } from '../process/redact-secrets.js';

export { isSecretName, secretValues };

/** `text` with every secret value and well-known token shape masked (see `process/redact-secrets`). */
export function redact(text: string, secrets: readonly string[]): string {
  return redactValues(text, secrets);
}

/** The environment overrides of a run, for the log: secrets masked, removed variables marked. */
export function describeEnv(env: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(env)
    .map(([name, value]) =>
      value === undefined ? `-${name}` : `${name}=${isSecretName(name) ? REDACTED : JSON.stringify(value)}`,
    )
    .join(' ');
}
