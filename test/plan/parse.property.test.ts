import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { validate } from '../../src/cli/commands/validate.js';
import { exitCodeOf } from '../../src/errors.js';
import { parsePlan } from '../../src/plan/parse.js';
import { tempDir } from '../helpers/git-repo.js';
import { propertySettings } from '../helpers/property.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/plans', name), 'utf8');
const VALID = parseYaml(fixture('add-login.yaml')) as Record<string, unknown>;
const TEXTS = [
  'add-login.yaml',
  'add-login.json',
  'kiro-tasks.md',
  'spec-kit-tasks.md',
  'taskmaster-tasks.json',
].map((name) => ({ name, text: fixture(name) }));
const FILES = ['plan.yaml', 'plan.yml', 'plan.json', 'tasks.md', 'tasks.json', 'notes.txt'];
const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The outcome every input must have: a plan and no problems, or no plan and located problems. */
function expectPlanOrLocatedRefusal(text: string, file: string): void {
  const result = parsePlan(text, { file });
  if (result.plan) {
    expect(result.problems).toEqual([]);
    expect(result.plan.id).toMatch(ID);
    expect(result.plan.tasks.length).toBeGreaterThan(0);
    return;
  }
  expect(result.problems.length, 'a refusal says why').toBeGreaterThan(0);
  for (const problem of result.problems) {
    expect(problem.code).toMatch(/^MILESTONE_[A-Z_]+$/);
    expect(problem.message.trim()).not.toBe('');
    expect(problem.location?.file, 'every problem names the file').toBe(file);
  }
}

/** A field path of the valid plan, to overwrite or delete. */
const fieldPath = fc.oneof(
  fc.constantFrom(
    ['version'],
    ['milestone'],
    ['id'],
    ['base'],
    ['weights'],
    ['verify'],
    ['defaults'],
    ['tasks'],
  ),
  fc
    .tuple(
      fc.nat({ max: 6 }),
      fc.constantFrom(
        'id',
        'title',
        'phase',
        'prompt',
        'run',
        'needs',
        'files',
        'estimate',
        'agent',
        'timeout',
        'retries',
      ),
    )
    .map(([i, key]) => ['tasks', i, key]),
  fc.constantFrom(
    ['defaults', 'timeout'],
    ['defaults', 'retries'],
    ['weights', 'design'],
    ['tasks', 0, 'needs', 0],
  ),
);

function mutate(plan: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(plan) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> | undefined = copy;
  for (const key of path.slice(0, -1)) {
    const next: unknown = node?.[key];
    node = typeof next === 'object' && next !== null ? (next as Record<string | number, unknown>) : undefined;
  }
  if (node) {
    const last = path.at(-1)!;
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return copy;
}

const mutatedPlan = fc
  .array(fc.tuple(fieldPath, fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined })), { maxLength: 4 })
  .map((edits) => edits.reduce<unknown>((plan, [path, value]) => mutate(plan, path, value), VALID));

describe('plan parser (property)', () => {
  it('reads any text as a plan or a located refusal, never a crash', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.constantFrom(...FILES), (text, file) =>
        expectPlanOrLocatedRefusal(text, file),
      ),
      propertySettings(3000),
    );
  });

  it('reads edited fixtures of every format (bytes cut, inserted, replaced) the same way', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TEXTS),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 6 })), {
          minLength: 1,
          maxLength: 4,
        }),
        ({ name, text }, edits) => {
          const edited = edits.reduce((t, [at, cut, insert]) => {
            const i = at % (t.length + 1);
            return t.slice(0, i) + insert + t.slice(i + cut);
          }, text);
          const file = name.endsWith('.md') ? 'tasks.md' : name;
          expectPlanOrLocatedRefusal(edited, file);
        },
      ),
      propertySettings(1500),
    );
  });

  it('reads a valid plan with fields overwritten by any JSON value, as YAML and as JSON', () => {
    fc.assert(
      fc.property(mutatedPlan, (plan) => {
        expectPlanOrLocatedRefusal(stringify(plan), 'plan.yaml');
        expectPlanOrLocatedRefusal(JSON.stringify(plan, null, 2), 'plan.json');
      }),
      propertySettings(1500),
    );
  });

  it('milestone validate exits 2 on every refusal and passes every plan', async () => {
    const dir = tempDir();
    const io = { out: () => undefined, err: () => undefined, isTTY: false };
    await fc.assert(
      fc.asyncProperty(mutatedPlan, async (plan) => {
        writeFileSync(join(dir, 'plan.yaml'), stringify(plan));
        const parsed = parsePlan(stringify(plan), { file: join(dir, 'plan.yaml') });
        const outcome = await validate({ cwd: dir, file: 'plan.yaml', io, json: true }).then(
          (result) => ({ code: 0, result }),
          (error: unknown) => ({ code: exitCodeOf(error), result: null }),
        );
        expect(outcome.code).toBe(parsed.plan ? 0 : 2);
        if (outcome.result) expect(outcome.result.valid).toBe(true);
      }),
      propertySettings(150),
    );
  });
});
