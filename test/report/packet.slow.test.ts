import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { milestoneAsync } from '../helpers/async-cli.js';
import { git, tempDir, writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

/** An exec-protocol agent that writes greeting.txt and claims more than it did. */
const CLAIMER = `
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { writeFileSync } = await import('node:fs');
writeFileSync('greeting.txt', 'hello\\n');
const say = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
say({ type: 'progress', message: 'writing greeting.txt' });
say({ type: 'usage', inputTokens: 1200, outputTokens: 300, costUsd: 0.02 });
say({ type: 'result', ok: true, summary: 'added the greeting; all 40 tests pass' });
`;

/** A fake `gh` that records each call (argv and stdin) as JSON files in $GH_RECORD. */
const FAKE_GH = `#!${process.execPath}
const { writeFileSync, readdirSync } = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === '--version' || args[0] === 'auth') { console.log('gh version 2.0.0 (fake)'); process.exit(0); }
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const n = readdirSync(process.env.GH_RECORD).length + 1;
  writeFileSync(process.env.GH_RECORD + '/call-' + n + '.json', JSON.stringify({ args, stdin: input }));
  console.log('https://github.invalid/acme/repo/pull/' + n);
});
`;

async function completedMilestone() {
  const repo = await milestoneRepo({
    'tools/claimer.mjs': CLAIMER,
    '.milestones/config.yaml': stringify({
      agents: { claimer: { type: 'exec', command: ['node', 'tools/claimer.mjs'] } },
    }),
  });
  const plan = {
    version: 1,
    milestone: 'Greeting',
    id: 'greeting',
    description: 'Say hello to the reviewer.',
    tasks: [
      {
        id: 'outline',
        title: 'Outline',
        phase: 'design',
        prompt: 'Outline the greeting',
        run: 'mkdir -p docs && echo outline > docs/outline.md',
      },
      {
        id: 'spec-it',
        title: 'Specify',
        phase: 'spec',
        run: 'printf "a\\nb\\n" > docs-spec.md',
        verify: 'echo "spec lint: 0 problems"',
      },
      {
        id: 'greet',
        title: 'Write the greeting',
        agent: 'claimer',
        prompt: 'Write greeting.txt',
        verify: 'test -f greeting.txt && echo "1 check passed"',
        needs: [],
      },
      { id: 'readme', title: 'Mention it', run: 'echo "see greeting.txt" >> README.md' },
    ],
  };
  writeFiles(repo.root, { 'plan.yaml': stringify(plan) });
  expect((await milestoneAsync(repo.root, ['plan', '--from', 'plan.yaml'], repo.env)).code).toBe(0);
  const run = await milestoneAsync(repo.root, ['execute', 'greeting', '--mode', 'agents'], repo.env);
  expect(run.code, run.stderr).toBe(0);
  return repo;
}

describe('milestone report (review packet) on a real run', () => {
  it('has every section: summary, phases, tasks with prompt/command, landing, verify, claim vs checks, integration', async () => {
    const repo = await completedMilestone();
    const md = await milestoneAsync(repo.root, ['report', 'greeting'], repo.env);
    expect(md.code, md.stderr).toBe(0);
    const text = md.stdout;
    for (const heading of [
      '# Greeting (`greeting`)',
      '## Summary',
      '## Phase design',
      '## Phase spec',
      '## Phase execute',
      '### `outline` Outline',
      '### `greet` Write the greeting',
      '## Integration checks',
    ])
      expect(text).toContain(heading);
    expect(text).toContain('Say hello to the reviewer.');
    expect(text).toContain('- status: completed, overall progress 100%');
    expect(text).toMatch(/phase commit `[0-9a-f]{10}`/);
    // Prompt and command, fenced.
    expect(text).toContain('**Prompt**\n\n```\nOutline the greeting\n```');
    expect(text).toContain('**Command**\n\n```sh\nmkdir -p docs && echo outline > docs/outline.md\n```');
    // Agent, attempts, cost and tokens of the exec agent.
    expect(text).toContain('| claimer | 1 | succeeded | $0.0200 | 1,500 |');
    expect(text).toContain('| shell | 1 | succeeded | unknown | unknown |');
    // Diffstat of each landing, from the Task-Id trailer's commit.
    expect(text).toMatch(/[0-9a-f]{10}: 1 file, \+1 -0\n\n- `greeting.txt` \+1 -0/);
    expect(text).toContain('- `docs-spec.md` +2 -0');
    // Verify output summary.
    expect(text).toContain(
      '`test -f greeting.txt && echo "1 check passed"`: passed\n\n```\n1 check passed\n```',
    );
    // What the agent claimed next to what the checks showed.
    expect(text).toMatch(
      /\| added the greeting; all 40 tests pass \| agent exited 0; verify `test -f greeting.txt && echo "1 check passed"` passed; landed as [0-9a-f]{10} \|/,
    );
    expect(text).toContain('- cost $0.0200, tokens 1,500');
    expect(text).toContain('none ran on the combined tree');

    const only = await milestoneAsync(repo.root, ['report', 'greeting', '--phase', 'execute'], repo.env);
    expect(only.stdout).toContain('## Phase execute');
    expect(only.stdout).not.toContain('## Phase design');

    const html = await milestoneAsync(repo.root, ['report', 'greeting', '--format', 'html'], repo.env);
    expect(html.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(html.stdout).toContain('<h2>Phase execute</h2>');
    expect(html.stdout).toContain('test -f greeting.txt &amp;&amp; echo &quot;1 check passed&quot;');
    expect(html.stdout).not.toContain('<script');

    const bad = await milestoneAsync(repo.root, ['report', 'greeting', '--phase', 'later'], repo.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--phase');

    // After finish merged the branch into its base, the packet still finds every landing.
    const finished = await milestoneAsync(repo.root, ['finish', 'greeting'], repo.env);
    expect(finished.code, finished.stderr).toBe(0);
    const after = await milestoneAsync(repo.root, ['report', 'greeting'], repo.env);
    expect(after.stdout).toMatch(/[0-9a-f]{10}: 1 file, \+1 -0\n\n- `greeting.txt` \+1 -0/);
    expect(after.stdout).not.toContain('not landed');
  });
});

describe('finish --pr with a fake gh on PATH', () => {
  it('--stack opens one pull request per phase, each based on the previous; --pr alone uses the whole packet', async () => {
    const repo = await completedMilestone();
    const origin = tempDir('milestone-origin-');
    await git(origin, 'init', '-q', '--bare');
    await git(repo.root, 'remote', 'add', 'origin', origin);
    const bin = tempDir('milestone-bin-');
    const record = tempDir('milestone-gh-');
    writeFiles(bin, { gh: FAKE_GH });
    chmodSync(join(bin, 'gh'), 0o755);
    const env = { ...repo.env, PATH: `${bin}:${process.env.PATH}`, GH_RECORD: record };

    const stacked = await milestoneAsync(repo.root, ['finish', 'greeting', '--pr', '--stack'], env);
    expect(stacked.code, stacked.stderr).toBe(0);
    expect(stacked.stdout.trim().split('\n')).toEqual([
      'pull request: https://github.invalid/acme/repo/pull/1',
      'pull request: https://github.invalid/acme/repo/pull/2',
      'pull request: https://github.invalid/acme/repo/pull/3',
    ]);
    const calls = readdirSync(record)
      .sort()
      .map((f) => JSON.parse(readFileSync(join(record, f), 'utf8')) as { args: string[]; stdin: string });
    const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];
    expect(calls.map((c) => [flag(c.args, '--base'), flag(c.args, '--head')])).toEqual([
      ['main', 'milestone/greeting.phases/design'],
      ['milestone/greeting.phases/design', 'milestone/greeting.phases/spec'],
      ['milestone/greeting.phases/spec', 'milestone/greeting'],
    ]);
    expect(calls.map((c) => flag(c.args, '--title'))).toEqual([
      'Greeting: design phase (1/3)',
      'Greeting: spec phase (2/3)',
      'Greeting: execute phase (3/3)',
    ]);
    expect(calls[0]!.args).toContain('--body-file');
    expect(calls[0]!.stdin).toContain('## Phase design');
    expect(calls[0]!.stdin).not.toContain('## Phase execute');
    expect(calls[2]!.stdin).toContain('### `greet` Write the greeting');
    // Each phase branch was pushed at its phase commit, never forced.
    const designCommit = await git(
      repo.root,
      'log',
      '--format=%H',
      '--grep=^feat(design)',
      'milestone/greeting',
    );
    expect(await git(origin, 'rev-parse', 'milestone/greeting.phases/design')).toBe(designCommit);
    expect(await git(origin, 'rev-parse', 'milestone/greeting')).toBe(
      await git(repo.root, 'rev-parse', 'milestone/greeting'),
    );

    const single = await milestoneAsync(repo.root, ['finish', 'greeting', '--pr'], env);
    expect(single.code, single.stderr).toBe(0);
    const last = JSON.parse(readFileSync(join(record, 'call-4.json'), 'utf8')) as {
      args: string[];
      stdin: string;
    };
    expect([flag(last.args, '--base'), flag(last.args, '--head'), flag(last.args, '--title')]).toEqual([
      'main',
      'milestone/greeting',
      'Greeting',
    ]);
    for (const phase of ['design', 'spec', 'execute']) expect(last.stdin).toContain(`## Phase ${phase}`);

    const misuse = await milestoneAsync(repo.root, ['finish', 'greeting', '--stack'], env);
    expect(misuse.code).toBe(2);
  });
});
