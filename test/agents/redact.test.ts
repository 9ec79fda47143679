import { afterEach, describe, expect, it } from 'vitest';
import { describeEnv, redact, secretValues } from '../../src/agents/redact.js';
import { isSecretName, redactSecrets, useSecretNames } from '../../src/process/redact-secrets.js';

afterEach(() => useSecretNames([]));

describe('redaction', () => {
  it('masks the values of KEY/TOKEN/SECRET/PASSWORD variables and nothing else', () => {
    const secrets = secretValues(
      { ANTHROPIC_API_KEY: 'sk-ant-123456', GH_TOKEN: 'ghp_abcdef', HOME: '/home/dev', PIN: '12' },
      { DB_PASSWORD: 'hunter22', SHORT_SECRET: 'abc' },
    );
    expect(secrets.sort()).toEqual(['ghp_abcdef', 'hunter22', 'sk-ant-123456']);
    expect(redact('key sk-ant-123456 in /home/dev, pw hunter22', secrets)).toBe(
      'key [redacted] in /home/dev, pw [redacted]',
    );
    expect(describeEnv({ API_KEY: 'x', MODE: 'fast', CLAUDECODE: undefined })).toBe(
      'API_KEY=[redacted] MODE="fast" -CLAUDECODE',
    );
  });

  it('reads CREDENTIAL and AUTH names as secret, but not AUTHOR or the ssh agent socket', () => {
    expect(isSecretName('GOOGLE_APPLICATION_CREDENTIALS')).toBe(true);
    expect(isSecretName('NPM_AUTH')).toBe(true);
    expect(isSecretName('GIT_AUTHOR_NAME')).toBe(false);
    expect(isSecretName('XAUTHORITY')).toBe(false);
    expect(isSecretName('SSH_AUTH_SOCK')).toBe(false);
    expect(redactSecrets('by Jane Doe', { GIT_AUTHOR_NAME: 'Jane Doe' })).toBe('by Jane Doe');
  });

  it('masks well-known token shapes wherever they appear, set in a variable or not', () => {
    const text = [
      'anthropic sk-ant-api03-Q1w2E3r4T5y6U7i8O9p0AsDfGhJkLz',
      'openai sk-proj-4fT9aB2cD3eF4gH5iJ6kL7mN8oP9',
      'github ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc and github_pat_11ABCDEFG0123456789_abcdefghij',
      'slack xoxb-123456789012-abcdefABCDEF',
      'aws AKIAIOSFODNN7EXAMPLE',
      'google AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q',
    ].join('\n');
    expect(redactSecrets(text, {})).toBe(
      [
        'anthropic [redacted]',
        'openai [redacted]',
        'github [redacted] and [redacted]',
        'slack [redacted]',
        'aws [redacted]',
        'google [redacted]',
      ].join('\n'),
    );
  });

  it('leaves words that only look like a prefix alone', () => {
    const text = 'risk-assessment sk-learn-pipeline-config-loader task-sk-1 ghp_short';
    expect(redactSecrets(text, {})).toBe(text);
  });

  it('masks the values of the names config adds (secrets.names), also JSON-escaped', () => {
    const env = { DEPLOY_PHRASE: 'correct "horse" battery' };
    expect(redactSecrets('say correct "horse" battery', env)).toBe('say correct "horse" battery');
    useSecretNames(['deploy_phrase']);
    expect(redactSecrets('say correct "horse" battery', env)).toBe('say [redacted]');
    expect(redactSecrets(JSON.stringify({ text: 'say correct "horse" battery' }), env)).toBe(
      '{"text":"say [redacted]"}',
    );
  });
});
