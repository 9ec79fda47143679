import { describe, expect, it } from 'vitest';
import { extractJson } from '../../src/planner/extract-json.js';

const plan = { version: 1, tasks: [{ id: 'a', title: 'A', prompt: 'use {braces} and "quotes" }' }] };
const json = JSON.stringify(plan, null, 2);

describe('extractJson', () => {
  it('reads a bare document', () => {
    expect(extractJson(`\n${json}\n`)).toEqual({ ok: true, json, value: plan });
  });

  it('reads a fenced block, json-tagged or bare, with prose around it', () => {
    for (const fence of ['```json', '```', '~~~JSON']) {
      const close = fence.startsWith('~') ? '~~~' : '```';
      const answer = `Here is the plan {roughly}:\n\n${fence}\n${json}\n${close}\n\nTell me if it needs changes.`;
      expect(extractJson(answer)).toMatchObject({ ok: true, value: plan });
    }
  });

  it('takes the last fenced block that parses (an example first, the answer last)', () => {
    const answer = `For example:\n\`\`\`json\n{"version": 1}\n\`\`\`\nThe plan:\n\`\`\`json\n${json}\n\`\`\``;
    expect(extractJson(answer)).toMatchObject({ ok: true, value: plan });
  });

  it('finds an unfenced object in prose, braces inside strings skipped, stray braces ignored', () => {
    const answer = `I read {the repo}. Plan: ${JSON.stringify(plan)} Done {ok}.`;
    expect(extractJson(answer)).toMatchObject({ ok: true, value: plan });
  });

  it('says where malformed JSON breaks', () => {
    const broken = '```json\n{\n  "version": 1,\n  "tasks": [\n    { "id": "a" }\n  ]\n  "x": 1\n}\n```';
    const result = extractJson(broken);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(
      /^malformed JSON: expected `,` or `}`, found `"`.*\(line 6, column 3 of the JSON document\)$/,
    );
  });

  it('reports an answer without JSON, and an empty one', () => {
    expect(extractJson('I could not plan this.')).toEqual({
      ok: false,
      problem: 'no JSON document found in the answer; reply with exactly one JSON object',
    });
    expect(extractJson('  \n')).toMatchObject({ ok: false, problem: expect.stringContaining('empty') });
    expect(extractJson('[1, 2]')).toMatchObject({ ok: false });
  });
});
