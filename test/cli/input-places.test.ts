import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

/**
 * Bad input names its place (CONTRACT.md, exit code 2): a plan file or `.milestones/config.yaml`
 * that is wrong is refused by the built CLI with `file:line:col (field): message`, exit 2,
 * and nothing is written: no store, no milestone record, the working tree as it was.
 */

const GOOD_PLAN = 'version: 1\nmilestone: Places\ntasks:\n  - id: a\n    title: A\n    run: "true"\n';

/** The repository's state that a refused command must leave as it found it. */
async function untouched(root: string): Promise<{ porcelain: string; milestones: string[] }> {
  const dir = join(root, '.milestones');
  return {
    porcelain: await git(root, 'status', '--porcelain', '--ignored'),
    milestones: existsSync(dir) ? readdirSync(dir).sort() : [],
  };
}

describe('a plan file that writes a key twice is refused at the repeated key', () => {
  const plans: Array<[string, string, string[]]> = [
    [
      'plan.json',
      [
        '{',
        '  "version": 1,',
        '  "milestone": "Twice",',
        '  "tasks": [{ "id": "a", "title": "A", "run": "true" }],',
        '  "tasks": [{ "id": "b", "title": "B", "run": "true", "id": "c" }]',
        '}',
        '',
      ].join('\n'),
      [
        'plan.json:5:3 (tasks): duplicate key `tasks` (also at line 4, column 3): JSON.parse would keep only the last one and drop the other without a word; write it once',
        'plan.json:5:55 (tasks[0].id): duplicate key `id` (also at line 5, column 15): JSON.parse would keep only the last one and drop the other without a word; write it once',
      ],
    ],
    [
      'tasks.json',
      '{"master": {"tasks": [\n  {"id": 1, "title": "One", "dependencies": [], "title": "Two"}\n]}}\n',
      [
        'tasks.json:2:49 (master.tasks[0].title): duplicate key `title` (also at line 2, column 13): JSON.parse would keep only the last one and drop the other without a word; write it once',
      ],
    ],
    [
      'plan.yaml',
      'version: 1\nmilestone: Twice\ntasks:\n  - id: a\n    title: A\n    run: "true"\n    run: "false"\n',
      [
        'plan.yaml:7:5 (tasks[0].run): duplicate key `run` (also at line 6, column 5): a key may appear once in a mapping; write it once',
      ],
    ],
  ];

  it.each(plans)(
    '%s: plan --from and validate exit 2 naming each place; nothing is stored',
    async (name, text, lines) => {
      const repo = await milestoneRepo({ [name]: text });
      const before = await untouched(repo.root);
      for (const args of [
        ['plan', '--from', name],
        ['validate', name],
      ]) {
        const result = await repo.run(args);
        expect(result.code, result.stderr).toBe(2);
        // One problem is printed after `milestone: `, several each on a line of their own.
        for (const line of lines) expect(result.stderr).toContain(`${join(repo.root, line)}\n`);
        expect(result.stdout).toBe('');
      }
      expect(await untouched(repo.root)).toEqual(before);
      expect(existsSync(join(repo.root, '.milestones'))).toBe(false);
    },
  );
});

describe('a bad .milestones/config.yaml is refused at its line by every command that reads it', () => {
  const configs: Array<[string, string, string]> = [
    [
      'an unknown key',
      'version: 1\nworktrees:\n  keep: 3\n  maxage: 7d\n',
      ':4:3 (worktrees.maxage): unknown key `maxage` in `worktrees`; did you mean `maxAge`?',
    ],
    [
      'a wrong type',
      'version: 1\nconcurrency: many\n',
      ':2:14 (concurrency): concurrency must be a number, got the text "many"',
    ],
    [
      'a bad value',
      'version: 1\nintegration: sometimes\n',
      ':2:14 (integration): integration must be one of "each", "batch", "phase", got the text "sometimes"',
    ],
    ['malformed YAML', 'version: 1\nprotectedBranches: [main\nadoption: auto\n', ':3:1: malformed YAML:'],
    [
      'a key written twice',
      'version: 1\nworktrees:\n  keep: 3\n  keep: 4\n',
      ':4:3 (worktrees.keep): duplicate key `keep` (also at line 3, column 3): a key may appear once in a mapping; write it once',
    ],
  ];

  it.each(configs)(
    '%s: plan, validate, status, list and execute exit 2 with the same placed message',
    async (_, config, place) => {
      const repo = await milestoneRepo({ '.milestones/config.yaml': config, 'plan.yaml': GOOD_PLAN });
      const before = await untouched(repo.root);
      const file = join(repo.root, '.milestones', 'config.yaml');
      const commands = [
        ['plan', '--from', 'plan.yaml'],
        ['validate', 'plan.yaml'],
        ['status'],
        ['list', '--json'],
        ['execute', '--dry-run'],
      ];
      // One after another: the first must not leave anything (a cache, a store) the next one reads.
      for (const args of commands) {
        const result = await repo.run(args);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr, args.join(' ')).toContain(`${file}${place}`);
        expect(result.stdout, args.join(' ')).toBe('');
      }
      expect(await untouched(repo.root)).toEqual(before);
    },
  );

  it("an agent's options are placed too: execute, agents and validate name the line", async () => {
    const repo = await milestoneRepo({ 'plan.yaml': GOOD_PLAN });
    expect((await repo.run(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    writeFiles(repo.root, {
      '.milestones/config.yaml':
        'version: 1\nagents:\n  robot:\n    type: exec\n    comand: [node, bot.js]\n  helper: { type: robot }\n',
    });
    const status = await repo.run(['status', 'places', '--json']);
    const file = join(repo.root, '.milestones', 'config.yaml');
    for (const args of [['execute', 'places', '--dry-run'], ['agents'], ['validate', 'plan.yaml']]) {
      const result = await repo.run(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      const printed = result.stderr.split('\n').map((line) => line.trim());
      expect(printed, args.join(' ')).toEqual(
        expect.arrayContaining([
          `${file}:4:5 (agents.robot.command): must be a list of strings, e.g. ["node", "agent.mjs"]`,
          `${file}:5:5 (agents.robot.comand): unknown field`,
          `${file}:6:19 (agents.helper.type): unknown agent type "robot" (one of: exec, shell, claude, codex, gemini)`,
        ]),
      );
    }
    // validate's last line: the plan file is fine; the problems are the config's.
    const validated = await repo.run(['validate', 'plan.yaml']);
    expect(validated.stderr.trimEnd().split('\n').at(-1)).toBe(
      `milestone: plan.yaml is fine; 3 problems found in ${file}`,
    );
    expect(await repo.run(['status', 'places', '--json'])).toEqual(status);
  });
});

describe('agents named elsewhere in the config', () => {
  it('resolver.agent and fallback naming agents that do not exist: validate and execute refuse at their places', async () => {
    const repo = await milestoneRepo({ 'plan.yaml': GOOD_PLAN });
    expect((await repo.run(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    writeFiles(repo.root, {
      '.milestones/config.yaml':
        'version: 1\nresolver:\n  agent: nobody\nfallback:\n  claud: [codex]\n  claude: [shell, codx]\n',
    });
    const status = await repo.run(['status', 'places', '--json']);
    const file = join(repo.root, '.milestones', 'config.yaml');
    const known = '(known: shell, claude, codex, gemini)';
    for (const args of [
      ['execute', 'places', '--dry-run'],
      ['execute', 'places'],
      ['validate', 'plan.yaml'],
    ]) {
      const result = await repo.run(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      const printed = result.stderr.split('\n').map((line) => line.trim());
      expect(printed, args.join(' ')).toEqual(
        expect.arrayContaining([
          `${file}:3:10 (resolver.agent): agent "nobody" is not configured ${known}`,
          `${file}:5:3 (fallback.claud): agent "claud" is not configured ${known}`,
          `${file}:6:19 (fallback.claude[1]): agent "codx" is not configured ${known}`,
        ]),
      );
    }
    expect(await repo.run(['status', 'places', '--json'])).toEqual(status);
  });
});

describe('state import of a hand-edited export is refused at its place', () => {
  it('a key written twice, malformed JSON or a bad value: exit 2 with file:line:col, the store unchanged', async () => {
    const repo = await milestoneRepo({ 'plan.yaml': GOOD_PLAN });
    expect((await repo.run(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    const exported = await repo.run(['state', 'export', 'places', '--format', 'command']);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout.split('\n');
    const statusLine = lines.findIndex((line) => line.startsWith('  "status": '));
    expect(statusLine).toBeGreaterThan(0);
    const edited = (line: string) =>
      lines.map((text, index) => (index === statusLine ? line : text)).join('\n');
    writeFiles(repo.root, {
      'twice.json': edited('  "status": "completed", "status": "planned",'),
      'broken.json': edited('  "status": planned,'),
      'sleeping.json': edited('  "status": "sleeping",'),
    });
    const before = await repo.run(['status', 'places', '--json']);
    const at = statusLine + 1;
    const cases: Array<[string, string]> = [
      [
        'twice.json',
        `twice.json:${at}:26 (status): duplicate key \`status\` (also at line ${at}, column 3): JSON.parse would keep only the last one and drop the other without a word; write it once`,
      ],
      ['broken.json', `broken.json:${at}:13: malformed JSON: unexpected \`p\``],
      [
        'sleeping.json',
        `sleeping.json:${at}:13 (status): status must be one of "planned", "executing", "paused", "completed", "failed", "cancelled", got the text "sleeping" (as the command-layer shape)`,
      ],
    ];
    for (const [file, line] of cases) {
      const result = await repo.run(['state', 'import', file]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`${line}\n`);
    }
    expect(await repo.run(['status', 'places', '--json'])).toEqual(before);
  });
});
