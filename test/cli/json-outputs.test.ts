import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

// docs/json.md lists, per command, the JSON fields scripts rely on and their types. This runs
// each command it names on a real milestone (one task landed, two run at once that conflict, so
// one is `conflicted` and the arrays scripts iterate are not empty) and checks every listed field
// is there with a listed type: a field renamed, dropped or retyped in the code fails here.

const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/json.md'), 'utf8');

interface Field {
  path: string;
  types: string[];
}

/** The `### \`milestone ...\`` sections of docs/json.md with their field tables. */
function sections(): Map<string, Field[]> {
  const found = new Map<string, Field[]>();
  for (const part of DOC.split(/^### /m).slice(1)) {
    const command = /^`milestone ([^`]+)`/.exec(part)?.[1];
    if (!command) continue;
    const fields = [...part.matchAll(/^\| `([^`]+)` \| ([a-z[\]/]+) \|/gm)].map((m) => ({
      path: m[1]!,
      types: m[2]!.split('/'),
    }));
    found.set(command, fields);
  }
  return found;
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value === type;
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    default:
      throw new Error(`docs/json.md: unknown type "${type}"`);
  }
}

/**
 * The values at `path` (`tasks[].usage.costUsd`: one per task) in `document`, each `undefined`
 * where a step of the path is missing.
 */
function valuesAt(document: unknown, path: string): unknown[] {
  let values: unknown[] = [document];
  for (const step of path.split('.')) {
    const many = step.endsWith('[]');
    const key = many ? step.slice(0, -2) : step;
    values = values.flatMap((value) => {
      const inner = key === '' ? value : (value as Record<string, unknown> | undefined)?.[key];
      if (!many) return [inner];
      return Array.isArray(inner) ? inner : [undefined];
    });
  }
  return values;
}

/** Problems of `document` against the documented `fields`. */
function check(what: string, document: unknown, fields: Field[]): string[] {
  const problems: string[] = [];
  for (const field of fields) {
    const values = valuesAt(document, field.path);
    if (values.length === 0) problems.push(`${what}: ${field.path}: never present (an empty array above it)`);
    for (const value of values) {
      if (value === undefined) {
        if (!field.types.includes('absent')) problems.push(`${what}: ${field.path}: missing`);
      } else if (!field.types.some((type) => type !== 'absent' && isType(value, type)))
        problems.push(`${what}: ${field.path}: ${JSON.stringify(value)} is not ${field.types.join('/')}`);
    }
  }
  return problems;
}

describe('the JSON outputs docs/json.md documents', () => {
  it('have every documented field with a documented type', async () => {
    const documented = sections();
    expect(documented.size).toBeGreaterThan(10);
    const repo = await milestoneRepo();
    // `left` and `right` declare disjoint files but both write shared.txt; each waits until the
    // other has started, so both start from the same head and the second to land conflicts.
    const gate = tempDir('milestone-gate-');
    const meet = (me: string, other: string) =>
      `touch ${gate}/${me}; while [ ! -e ${gate}/${other} ]; do sleep 0.05; done; echo ${me} > shared.txt`;
    writeFiles(repo.root, {
      'plan.yaml': [
        'version: 1',
        'milestone: JSON outputs',
        'id: json-outputs',
        'defaults: { agent: shell }',
        'tasks:',
        '  - { id: notes, title: Notes, phase: design, run: "echo n > notes.md", files: [notes.md] }',
        `  - { id: left, title: Left, needs: [notes], run: "${meet('left', 'right')}", files: [left.txt] }`,
        `  - { id: right, title: Right, needs: [notes], run: "${meet('right', 'left')}", files: [right.txt] }`,
        '',
      ].join('\n'),
      'bad.yaml': 'version: 1\nmilestone: Bad\ntasks:\n  - { id: a, title: A, run: "true", needs: [nope] }\n',
    });
    const planned = await repo.run(['plan', '--from', 'plan.yaml']);
    expect(planned.code, planned.stderr).toBe(0);
    const run = await repo.run(['execute', '--json', '--mode', 'agents', '--concurrency', '2']);
    expect(run.code, run.stderr).toBe(1);

    const problems: string[] = [];
    const events = run.stdout.trim().split('\n');
    expect(events.length).toBeGreaterThan(10);
    for (const line of events)
      problems.push(...check('execute --json', JSON.parse(line), documented.get('execute --json')!));

    const seen: string[] = [];
    for (const [command, fields] of documented) {
      if (command === 'execute --json') continue;
      const args = command.replace('<id>', 'json-outputs').split(' ');
      const result = await repo.run(args);
      // validate exits 2 on bad.yaml, doctor 1 while the conflicted task waits for a person.
      expect([0, 1, 2], `milestone ${command}: ${result.stderr}`).toContain(result.code);
      problems.push(...check(command, JSON.parse(result.stdout), fields));
      seen.push(command);
    }
    // --watch on a milestone that is not executing prints the document once: the same fields.
    const watch = await repo.run(['status', '--watch', '--json']);
    for (const line of watch.stdout.trim().split('\n'))
      problems.push(...check('status --watch --json', JSON.parse(line), documented.get('status --json')!));

    expect(problems).toEqual([]);
    expect(seen).toEqual(
      expect.arrayContaining([
        'status --json',
        'show --json',
        'list --json',
        'plan --id <id> --json',
        'metrics --json',
        'metrics --compare --json',
        'agents --json',
        'doctor --json',
        'report --json',
        'execute --dry-run --json',
        'state export <id> --format command',
        'state export <id> --format agent',
      ]),
    );
    // The conflicted task is what it looks like: the fixture did what the comment says.
    const status = JSON.parse((await repo.run(['status', '--json'])).stdout);
    expect(status.conflicts.map((c: { taskId: string }) => c.taskId)).toHaveLength(1);
  });
});
