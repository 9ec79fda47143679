import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_TEMPLATE, DEFAULT_CONFIG, parseConfig } from '../../src/config/config.js';
import { parseAgeMs } from '../../src/core/duration.js';
import { commitTypeFor } from '../../src/engine/commit-type.js';
import { failureTail } from '../../src/engine/failure-text.js';

describe('worktrees config', () => {
  it('the template init writes is the defaults', () => {
    const { config, problems } = parseConfig(parse(CONFIG_TEMPLATE), 'config.yaml');
    expect(problems).toEqual([]);
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.worktrees).toMatchObject({ link: [], copy: [], key: null, keep: 8, maxAge: '7d' });
  });

  it('refuses link and copy paths that leave the repository, naming the field', () => {
    const { problems } = parseConfig({ worktrees: { link: ['../shared'], copy: ['/etc/passwd'] } }, 'c.yaml');
    expect(problems.map((p) => p.location?.field).sort()).toEqual(['worktrees.copy[0]', 'worktrees.link[0]']);
    expect(problems[0]!.message).toContain('inside the repository');
  });

  it('reads slot ages on the calendar: a day is 24 hours', () => {
    expect(parseAgeMs('7d')).toBe(7 * 86_400_000);
    expect(parseAgeMs('12h')).toBe(12 * 3_600_000);
    expect(parseAgeMs('soon')).toBeNull();
    expect(parseConfig({ worktrees: { maxAge: 'soon' } }, 'c.yaml').problems[0]?.location?.field).toBe(
      'worktrees.maxAge',
    );
  });
});

describe('task commit type from the changed files', () => {
  it('docs, tests, nothing, or code', () => {
    expect(commitTypeFor(['README.md', 'docs/api.md'])).toBe('docs');
    expect(commitTypeFor(['test/a.test.ts', 'src/__tests__/b.ts'])).toBe('test');
    expect(commitTypeFor([])).toBe('chore');
    expect(commitTypeFor(['docs/api.md', 'src/api.ts'])).toBe('feat');
  });
});

describe('failure lines', () => {
  it('carry the last output lines, and for exit 127 a hint about dependencies', () => {
    expect(failureTail(1, 'a\nb\n\nc\nd\n')).toBe('; last output: b | c | d');
    expect(failureTail(127, 'sh: 1: eslint: not found\n')).toBe(
      '; last output: sh: 1: eslint: not found; command not found: are dependencies installed in the worktree? see worktrees.link / worktrees.setup',
    );
    expect(failureTail(2, '')).toBe('');
  });
});
