import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { SCHEMA_DEFAULTS } from '../../src/config/default-config.js';

describe('the defaults used without a config file', () => {
  it('are exactly the schema defaults (configSchema.parse({}))', () => {
    expect(SCHEMA_DEFAULTS).toStrictEqual(DEFAULT_CONFIG);
  });
});
