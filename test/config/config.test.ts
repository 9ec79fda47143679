import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_TEMPLATE, DEFAULT_CONFIG, parseConfig } from '../../src/config/config.js';
import { CONFIG_CACHE_FILE, readConfig } from '../../src/config/read-config.js';
import { UsageError } from '../../src/errors.js';
import { tempDir } from '../helpers/git-repo.js';

describe('config: one schema, one copy of the defaults', () => {
  it('the template init writes names every setting, each with its default', () => {
    const template = parse(CONFIG_TEMPLATE) as Record<string, unknown>;
    expect(Object.keys(template).sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
    for (const [section, value] of Object.entries(template)) {
      // `{}` sections are maps or per-phase settings shown by example in a comment.
      if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
        const defaults = DEFAULT_CONFIG[section as keyof typeof DEFAULT_CONFIG] as object;
        expect(Object.keys(value).sort(), section).toEqual(Object.keys(defaults).sort());
      }
    }
    expect(parseConfig(template, 'config.yaml')).toEqual({ config: DEFAULT_CONFIG, problems: [] });
  });

  it('an empty file, an empty section and a missing one all mean the defaults', () => {
    expect(parseConfig(null, 'c.yaml').config).toEqual(DEFAULT_CONFIG);
    const partial = parseConfig({ commit: { messages: { execute: 'feat: {title}' } }, phases: {} }, 'c.yaml');
    expect(partial.problems).toEqual([]);
    expect(partial.config.commit).toEqual({
      ...DEFAULT_CONFIG.commit,
      messages: { ...DEFAULT_CONFIG.commit.messages, execute: 'feat: {title}' },
    });
    expect(partial.config.phases.design).toEqual({ approval: 'none' });
  });
});

describe('readConfig: validated once, cached by content', () => {
  it('reuses the validated config until the file changes, then validates again (exit 2 on a bad value)', async () => {
    const root = tempDir();
    const store = join(root, '.local');
    mkdirSync(store);
    const file = join(root, 'config.yaml');
    writeFileSync(file, 'concurrency: 3\n');
    expect((await readConfig(file, store)).concurrency).toBe(3);
    expect(existsSync(join(store, CONFIG_CACHE_FILE))).toBe(true);
    expect((await readConfig(file, store)).concurrency).toBe(3);
    writeFileSync(file, 'concurrency: 0\n');
    const refusal = await readConfig(file, store).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as UsageError).problems[0]?.location).toMatchObject({
      file,
      line: 1,
      field: 'concurrency',
    });
    writeFileSync(file, 'concurrency: 5\n');
    expect((await readConfig(file, store)).concurrency).toBe(5);
  });

  it('without a store directory it validates and writes nothing', async () => {
    const root = tempDir();
    expect(await readConfig(join(root, 'config.yaml'), join(root, '.local'))).toEqual(DEFAULT_CONFIG);
    expect(existsSync(join(root, '.local'))).toBe(false);
  });
});

describe('readConfig: every problem at its line and column', () => {
  it('a weight sum says what it adds to, an enum left out says it is required, a phase gate its choices', async () => {
    const root = tempDir();
    const file = join(root, 'config.yaml');
    writeFileSync(
      file,
      'weights: { design: 0.5, spec: 0.25, task: 0.20, execute: 0.40 }\nphases:\n  design: { approval: maybe }\n',
    );
    const refusal = (await readConfig(file, null).catch((error: unknown) => error)) as UsageError;
    expect(refusal).toBeInstanceOf(UsageError);
    expect(
      refusal.problems.map((p) => [p.location?.line, p.location?.column, p.location?.field, p.message]),
    ).toEqual([
      [1, 10, 'weights', 'weights must sum to 1, got 1.35 (0.5 + 0.25 + 0.2 + 0.4)'],
      [
        3,
        23,
        'phases.design.approval',
        'phases.design.approval must be one of "required", "none", got the text "maybe"',
      ],
    ]);
  });
});

describe('readConfig: a folder where the config file belongs', () => {
  it('is refused naming the file (exit 2), not as a failure of the system', async () => {
    const root = tempDir();
    const file = join(root, 'config.yaml');
    mkdirSync(file);
    const refusal = (await readConfig(file, null).catch((error: unknown) => error)) as UsageError;
    expect(refusal).toBeInstanceOf(UsageError);
    expect(refusal.problems).toEqual([
      { code: 'MILESTONE_CONFIG_FILE', message: 'is a directory, not a config file', location: { file } },
    ]);
  });
});
