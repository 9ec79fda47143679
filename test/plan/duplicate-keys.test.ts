import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { findJsonDuplicateKeys, mayRepeatKeys } from '../../src/plan/json-scan.js';
import { loadText } from './plan-file.js';

/** Each problem as `line:col (field): message`, the way the CLI prints it after the file. */
function placed(result: Awaited<ReturnType<typeof loadText>>): string[] {
  expect(result.plan).toBeNull();
  return result.problems.map((p) => formatProblem(p).slice(result.file.length + 1));
}

const JSON_LOSES = 'JSON.parse would keep only the last one and drop the other without a word; write it once';
const YAML_ONCE = 'a key may appear once in a mapping; write it once';

describe('a key written twice in a JSON plan is refused at its place', () => {
  it('two `tasks` lists and a task with two ids: both named, each with the first place', async () => {
    const result = await loadText(
      [
        '{',
        '  "version": 1,',
        '  "milestone": "Twice",',
        '  "tasks": [{ "id": "a", "title": "A", "run": "x" }],',
        '  "tasks": [{ "id": "b", "title": "B", "run": "x", "id": "c" }]',
        '}',
      ].join('\n'),
      'plan.json',
    );
    expect(result.problems.map((p) => p.code)).toEqual([
      'MILESTONE_PLAN_DUPLICATE_KEY',
      'MILESTONE_PLAN_DUPLICATE_KEY',
    ]);
    expect(placed(result)).toEqual([
      `5:3 (tasks): duplicate key \`tasks\` (also at line 4, column 3): ${JSON_LOSES}`,
      `5:52 (tasks[0].id): duplicate key \`id\` (also at line 5, column 15): ${JSON_LOSES}`,
    ]);
  });

  it('a key spaced before its colon, or spelled with an escape, is the same key', async () => {
    const result = await loadText(
      '{"version": 1, "milestone": "M", "tasks": [{"id" : "a", "title": "A", "run": "x", "i\\u0064"\n: "b"}]}',
      'plan.json',
    );
    expect(placed(result)).toEqual([
      `1:83 (tasks[0].id): duplicate key \`id\` (also at line 1, column 45): ${JSON_LOSES}`,
    ]);
  });

  it('a Task Master tasks.json with a task titled twice', async () => {
    const result = await loadText(
      '{"master": {"tasks": [\n  {"id": 1, "title": "One", "dependencies": [], "title": "Two"}\n]}}\n',
      'tasks.json',
    );
    expect(placed(result)).toEqual([
      `2:49 (master.tasks[0].title): duplicate key \`title\` (also at line 2, column 13): ${JSON_LOSES}`,
    ]);
  });

  it('`":` inside a value is not a key: the plan is read', async () => {
    const result = await loadText(
      '{"version": 1, "milestone": "M", "tasks": [{"id": "a", "title": "A", "run": "echo \\"k\\": \\"v\\" \\" :"}]}',
      'plan.json',
    );
    expect(result.problems).toEqual([]);
    expect(result.plan!.tasks[0]!.run).toBe('echo "k": "v" " :');
  });

  it('the same key in two different objects is no duplicate', async () => {
    const result = await loadText(
      '{"version": 1, "milestone": "M", "tasks": [{"id": "a", "title": "A", "run": "x"}, {"id": "b", "title": "B", "run": "x", "needs": ["a"]}]}',
      'plan.json',
    );
    expect(result.problems).toEqual([]);
  });
});

describe('the cheap test before the full scan', () => {
  const cases: Array<[string, boolean]> = [
    ['{"a": 1, "b": {"a": 2}}', false],
    ['{"a": 1, "a": 2}', true],
    ['{"a" \n\t: 1, "a":2}', true],
    ['{"a": {"b": 1, "b" : 2}}', true],
    ['[{"a": 1}, {"a": 1}]', false],
    ['{"a": "x\\": y"}', true], // a `":` in a value: the full scan tells it is none
    ['"just a string"', false],
    ['{"__proto__": 1, "b": 2}', false],
    // As JSON.stringify writes it: compact, indented by spaces or tabs, a final newline.
    [`${JSON.stringify({ a: 1, b: { c: [1, { d: 'x": y' }] } }, null, 2)}\n`, false],
    [JSON.stringify({ a: [{ b: 1 }, { b: 2 }] }, null, '\t'), false],
    ['{\n  "a": 1,\n  "a": 2\n}\n', true],
    ['{\r\n  "a": 1,\r\n  "b": 2\r\n}', false],
  ];
  it.each(cases)('%s: may repeat %s; the full scan agrees where it says no', (text, may) => {
    expect(mayRepeatKeys(text, JSON.parse(text))).toBe(may);
    if (!may) expect(findJsonDuplicateKeys(text)).toEqual([]);
  });

  it('the full scan finds every repeat, nested, with both offsets', () => {
    const text = '{"a": 1, "b": {"c": 1, "c": 2, "c": 3}, "a": 4}';
    expect(findJsonDuplicateKeys(text)).toEqual([
      { path: ['b', 'c'], offset: 23, first: 15 },
      { path: ['b', 'c'], offset: 31, first: 15 },
      { path: ['a'], offset: 40, first: 1 },
    ]);
  });
});

describe('a key written twice in a YAML plan is refused at its place', () => {
  it('every repeated key is named with its first place, nested or in a flow mapping', async () => {
    const result = await loadText(
      [
        'version: 1',
        'milestone: Twice',
        'tasks:',
        '  - id: a',
        '    title: A',
        '    run: x',
        '    id: b',
        '  - { id: c, title: C, run: x, run: y }',
        'milestone: Again',
      ].join('\n'),
    );
    expect(result.problems.every((p) => p.code === 'MILESTONE_PLAN_DUPLICATE_KEY')).toBe(true);
    expect(placed(result)).toEqual([
      `7:5 (tasks[0].id): duplicate key \`id\` (also at line 4, column 5): ${YAML_ONCE}`,
      `8:32 (tasks[1].run): duplicate key \`run\` (also at line 8, column 24): ${YAML_ONCE}`,
      `9:1 (milestone): duplicate key \`milestone\` (also at line 2, column 1): ${YAML_ONCE}`,
    ]);
  });

  it('`1` and `"1"` are one key once read (the yaml library alone would keep the last)', async () => {
    const result = await loadText(
      'version: 1\nmilestone: M\nweights: { 1: 0.5, "1": 0.5 }\ntasks: [{ id: a, title: A, run: x }]\n',
    );
    expect(placed(result)).toEqual([
      `3:20 (weights.1): duplicate key \`1\` (also at line 3, column 12): ${YAML_ONCE}`,
    ]);
  });

  it('merge keys may repeat', async () => {
    const result = await loadText(
      [
        'version: 1',
        'milestone: M',
        'x-run: &run { run: "true" }',
        'x-title: &title { title: T }',
        'tasks:',
        '  - id: a',
        '    <<: *run',
        '    <<: *title',
      ].join('\n'),
    );
    // The plan's own problem (the unknown x- keys) and none about `<<`.
    expect(result.problems.map((p) => p.code)).not.toContain('MILESTONE_PLAN_DUPLICATE_KEY');
  });
});
