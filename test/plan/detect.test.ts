import { describe, expect, it } from 'vitest';
import { ID_PATTERN } from '../../src/core/types.js';
import { detectFormat, slugify } from '../../src/plan/parse.js';

describe('detectFormat', () => {
  it.each([
    ['plan.yaml', 'version: 1\n', 'milestone-yaml'],
    ['plan.YML', '', 'milestone-yaml'],
    ['plan.json', '{"version": 1, "milestone": "x", "tasks": []}', 'milestone-json'],
    ['plan.json', '{"tasks": [{"id": "named", "title": "t"}]}', 'milestone-json'],
    ['plan.json', '{ not json', 'milestone-json'],
    ['tasks.json', '{"tasks": [{"id": 1, "title": "t"}]}', 'taskmaster'],
    ['tasks.json', '{"master": {"tasks": [{"id": "3", "title": "t"}]}}', 'taskmaster'],
    ['tasks.json', '{"feature-x": {"tasks": [{"id": 1}]}, "other": 1}', 'taskmaster'],
    ['tasks.md', '# Plan\n- [ ] 1. Do it\n', 'kiro'],
    ['tasks.md', '## Phase 1: Setup\n- [ ] T001 [P] Do it\n', 'spec-kit'],
    ['TASKS.markdown', '* [X] T010 [US1] Done\n', 'spec-kit'],
    ['plan', 'version: 1\nmilestone: x\n', 'milestone-yaml'],
    ['plan', '  {"tasks": [{"id": 1}]}', 'taskmaster'],
    ['notes', '- [ ] 1. Something\n', 'kiro'],
    ['notes.txt', 'hello\n', null],
  ] as const)('%s %j -> %s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

describe('slugify', () => {
  it.each([
    ['Add login feature', 'add-login-feature'],
    ['  Fix: the "cache" (v2)!  ', 'fix-the-cache-v2'],
    ['Crème brûlée über-API', 'creme-brulee-uber-api'],
    ['../../etc/passwd', 'etc-passwd'],
  ])('%j -> %s', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('cuts long titles at a word boundary within 63 characters', () => {
    const slug = slugify(
      'Refactor the whole persistence layer to use a write-ahead log with snapshots and compaction',
    );
    expect(slug).toBe('refactor-the-whole-persistence-layer-to-use-a-write-ahead-log');
    expect(slug.length).toBeLessThanOrEqual(63);
    expect(slugify('x'.repeat(100))).toBe('x'.repeat(63));
  });

  it('gives titles without ASCII letters a stable hashed id', () => {
    const id = slugify('ログイン機能');
    expect(id).toMatch(/^milestone-[0-9a-f]{8}$/);
    expect(slugify('ログイン機能')).toBe(id);
    expect(slugify('別の機能')).not.toBe(id);
    expect(ID_PATTERN.test(slugify(''))).toBe(true);
  });
});
