import { describe, expect, it } from 'vitest';
import { describeEnv, redact, secretValues } from '../../src/agents/redact.js';

describe('redaction', () => {
  it('masks the values of KEY/TOKEN/SECRET/PASSWORD variables and nothing else', () => {
    const secrets = secretValues(
      { ANTHROPIC_API_KEY: 'sk-ant-123456', GH_TOKEN: 'ghp_abcdef', HOME: '/home/dev', PIN: '12' },
      { DB_PASSWORD: 'hunter22', SHORT_SECRET: 'abc' },
    );
    expect(secrets.sort()).toEqual(['ghp_abcdef', 'hunter22', 'sk-ant-123456']);
    expect(redact('key sk-ant-123456 in /home/dev, pw hunter22', secrets)).toBe(
      'key *** in /home/dev, pw ***',
    );
    expect(describeEnv({ API_KEY: 'x', MODE: 'fast', CLAUDECODE: undefined })).toBe(
      'API_KEY=*** MODE="fast" -CLAUDECODE',
    );
  });
});
