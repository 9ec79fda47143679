import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, gitRepo, milestone, runFile, tempDir, writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo, waitForOutput } from '../helpers/milestone-repo.js';

// A new user's first hour, each step as the README or the CLI's own advice says it, run with the
// real built CLI in real repositories.

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The README's quick start in your own repository: the plan it writes and the commands after it. */
function quickStart(): { setup: string[]; plan: string; commands: string[] } {
  const section = README.slice(README.indexOf('In your own repository'), README.indexOf('## A plan file'));
  const blocks = [...section.matchAll(/```(sh|yaml)\n([\s\S]*?)```/g)].map((m) => ({
    kind: m[1],
    text: m[2]!,
  }));
  const lines = (text: string) =>
    text
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter(Boolean);
  const sh = blocks.filter((b) => b.kind === 'sh');
  return {
    setup: lines(sh[0]!.text),
    plan: blocks.find((b) => b.kind === 'yaml')!.text,
    commands: lines(sh[1]!.text),
  };
}

/** `milestone a b > file` as words and the file its stdout goes to. */
function words(command: string): { args: string[]; redirect?: string } {
  const [run, redirect] = command.split(' > ');
  const args = run!.split(/\s+/);
  expect(args[0]).toBe('milestone');
  return { args: args.slice(1), ...(redirect && { redirect }) };
}

describe("a new user's first hour", () => {
  it("the README's quick start runs as written in a fresh repository, and lands the plan on main", async () => {
    const repo = await milestoneRepo();
    const { setup, plan, commands } = quickStart();
    expect(setup).toEqual(['milestone init', 'milestone doctor']);
    for (const command of setup) {
      const result = await repo.run(words(command).args);
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
    }
    writeFileSync(join(repo.root, 'plan.yaml'), plan);
    for (const command of commands) {
      const { args, redirect } = words(command);
      if (args[0] === 'ui') {
        // A server: it prints where it listens and runs until stopped (port 0: tests run side by side).
        const ui = repo.spawn([...args, '--port', '0']);
        await waitForOutput(ui, 'dashboard: http://127.0.0.1:');
        ui.kill('SIGINT');
        await ui.closed;
        continue;
      }
      const result = await repo.run(args);
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
      if (redirect) writeFileSync(join(repo.root, redirect), result.stdout);
      if (command === 'milestone execute --dry-run') {
        // The decision is said once: `mode direct: <why>`, not `mode direct: direct: <why>`.
        expect(result.stdout).toMatch(/^mode (direct|agents|hybrid): /m);
        expect(result.stdout).not.toMatch(/^mode (\w+): \1:/m);
      }
    }
    expect(readFileSync(join(repo.root, 'review.md'), 'utf8')).toContain('# Add a greeting');
    expect(await git(repo.root, 'show', 'main:greet.sh')).toBe('echo hello');
    expect(await git(repo.root, 'show', 'main:docs/greet.md')).toBe('greet prints hello');
    // The same file planned again: a completed milestone cannot take a new plan, so that is not
    // offered; the other id printed works as typed.
    const again = await repo.run(['plan', '--from', 'plan.yaml']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists (status completed)');
    expect(again.stderr).not.toContain('--replace');
    const other = /to plan it under another id: {2}(milestone .+)$/m.exec(again.stderr)![1]!;
    expect(other).toBe('milestone plan --from plan.yaml --id add-a-greeting-2');
    expect((await repo.run(words(other).args)).code).toBe(0);
  });

  it('in a repository without a commit: init and doctor say so, plan refuses (exit 2), and the commit it prints fixes it', async () => {
    const root = tempDir('milestone-unborn-');
    await git(root, 'init', '-q', '-b', 'main');
    const env = { XDG_STATE_HOME: tempDir('milestone-state-') };
    const run = (args: string[]) => milestone(root, args, env);
    const init = await run(['init']);
    expect(init.code).toBe(0);
    expect(init.stderr).toContain('no commit yet');
    const doctor = await run(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/NEEDS YOU repository\s+HEAD has no commit yet/);
    writeFileSync(join(root, 'plan.yaml'), quickStart().plan);
    const refused = await run(['plan', '--from', 'plan.yaml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the current branch "main" has no commit yet');
    expect(refused.stderr).not.toContain('does not exist');
    // Nothing was stored.
    expect((await run(['list', '--json'])).stdout.trim()).toBe('[]');
    expect(existsSync(join(root, '.milestones', 'add-a-greeting'))).toBe(false);
    // The fix as printed, then the same plan again.
    const fix = /`(git commit [^`]+)`/.exec(refused.stderr)![1]!;
    expect(fix).toBe('git commit --allow-empty -m "Initial commit"');
    await git(root, 'commit', '--allow-empty', '-m', 'Initial commit');
    expect((await run(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    expect((await run(['doctor'])).code).toBe(0);
  });

  it('without git on PATH: doctor reports git (exit 1), other commands say to install it (exit 2)', async () => {
    const repo = await milestoneRepo();
    expect((await repo.run(['init'])).code).toBe(0);
    const planned = await repo.plan({
      version: 1,
      milestone: 'G',
      id: 'g',
      tasks: [{ id: 'a', title: 'A', run: 'true' }],
    });
    expect(planned.code).toBe(0);
    const bin = tempDir('milestone-nogit-');
    symlinkSync('/bin/sh', join(bin, 'sh'));
    const run = (args: string[]) => milestone(repo.root, args, { ...repo.env, PATH: bin });
    const doctor = await run(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/NEEDS YOU git\s+git is not installed or not on PATH/);
    expect(doctor.stdout).toContain('install git 2.38 or newer');
    const json = await run(['doctor', '--json']);
    expect(JSON.parse(json.stdout).findings.map((f: { check: string }) => f.check)).toEqual([
      'git',
      'repository',
    ]);
    for (const args of [
      ['execute', 'g'],
      ['clean', '--dry-run'],
    ]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('git is not installed or not on PATH');
      expect(result.stderr).not.toContain('ENOENT');
    }
  });

  it('without git on PATH, a command that needs git changes nothing: no .milestones files, no event, no config cache', async () => {
    const repo = await milestoneRepo();
    writeFiles(repo.root, {
      'plan.yaml': 'version: 1\nmilestone: G\nid: g\ntasks:\n  - id: a\n    title: A\n    run: "true"\n',
    });
    const bin = tempDir('milestone-nogit-');
    symlinkSync('/bin/sh', join(bin, 'sh'));
    const run = (args: string[]) => milestone(repo.root, args, { ...repo.env, PATH: bin });
    const refusedUnchanged = async (commands: string[][]) => {
      const before = files(repo.root);
      for (const args of commands) {
        const result = await run(args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr, args.join(' ')).toContain('git is not installed or not on PATH');
        expect(files(repo.root), args.join(' ')).toEqual(before);
      }
    };
    // A fresh repository: neither `.milestones/` nor its ignore files appear.
    await refusedUnchanged([['plan', '--from', 'plan.yaml'], ['plan', 'G'], ['init'], ['init', '--claude']]);
    expect(existsSync(join(repo.root, '.milestones'))).toBe(false);
    // A planned milestone: its store, record and config cache stay as they were.
    expect((await repo.run(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    await refusedUnchanged([
      ['execute', 'g'],
      ['cancel', 'g'],
      ['rm', 'g'],
      ['finish', 'g'],
      ['clean'],
      ['plan', '--from', 'plan.yaml', '--replace', 'g'],
      ['plan', '--id', 'g'],
      ['worker', '--queue', 'redis://127.0.0.1:1'],
    ]);
  });

  it('kill -9 mid-execute: status names the dead coordinator and the command, which resumes to the end', async () => {
    const repo = await milestoneRepo();
    const plan = {
      version: 1,
      milestone: 'Killed',
      id: 'killed',
      tasks: [
        { id: 'first', title: 'First', phase: 'design', run: 'echo one > one.txt', files: ['one.txt'] },
        {
          id: 'slow',
          title: 'Slow',
          needs: ['first'],
          run: 'sleep 3; echo two > two.txt',
          files: ['two.txt'],
        },
        {
          id: 'quick',
          title: 'Quick',
          needs: ['first'],
          run: 'echo three > three.txt',
          files: ['three.txt'],
        },
      ],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    const child = repo.spawn(['execute', 'killed']);
    await waitForOutput(child, 'slow started');
    child.kill('SIGKILL');
    await child.closed;
    const status = await repo.run(['status', 'killed']);
    expect(status.code).toBe(0);
    const advice = /coordinator pid \d+ on \S+ is gone: run `([^`]+)` to resume/.exec(status.stdout);
    expect(advice, status.stdout).not.toBeNull();
    expect(advice![1]).toBe('milestone execute killed');
    // The command status printed, as printed.
    const resumed = await repo.run(advice![1]!.split(' ').slice(1));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(`${resumed.stdout}${resumed.stderr}`).toContain('took over from a dead coordinator');
    const after = await repo.status('killed');
    expect(after.status).toBe('completed');
    expect(await git(repo.root, 'show', 'milestone/killed:two.txt')).toBe('two');
    const landed = await git(
      repo.root,
      'log',
      '--format=%(trailers:key=Task-Id,valueonly)',
      'milestone/killed',
    );
    expect(landed.split('\n').filter((l) => l.trim() === 'slow')).toHaveLength(1);
  });

  it("a task naming an unconfigured agent (the README's exec-bot): the advice is to configure it, and it works as printed", async () => {
    const repo = await milestoneRepo();
    expect((await repo.run(['init'])).code).toBe(0);
    // A bot of ours speaking the exec protocol, as the README writes one: an executable with a
    // shebang line, not committed (found from the repository root, run in the task's worktree).
    writeFiles(repo.root, {
      'tools/bot.js': [
        '#!/usr/bin/env node',
        "require('node:fs').writeFileSync('route.txt', 'route\\n');",
        'console.log(JSON.stringify({ type: "result", ok: true, summary: "wrote route.txt" }));',
      ].join('\n'),
    });
    chmodSync(join(repo.root, 'tools', 'bot.js'), 0o755);
    const plan = {
      version: 1,
      milestone: 'Own agent',
      id: 'own',
      defaults: { agent: 'shell' },
      tasks: [
        { id: 'schema', title: 'Schema', phase: 'design', run: 'echo s > schema.txt', files: ['schema.txt'] },
        { id: 'route', title: 'Route', needs: ['schema'], prompt: 'Write route.txt', agent: 'exec-bot' },
      ],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    const dry = await repo.run(['execute', 'own', '--dry-run']);
    expect(dry.code).toBe(2);
    // `--agent` only changes tasks without an agent of their own: not offered for this one.
    expect(dry.stderr).not.toContain('--agent');
    expect(dry.stderr).toContain(
      'fix: route names agent exec-bot in the plan: configure it in .milestones/config.yaml',
    );
    expect(dry.stderr).not.toContain('install it');
    const example = /e\.g\. (agents: \{ exec-bot: \{ type: exec, command: \["tools\/bot\.js"\] \} \})/.exec(
      dry.stderr,
    );
    expect(example).not.toBeNull();
    // The line as printed, into the config `init` wrote.
    const config = join(repo.root, '.milestones', 'config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^agents: \{\}.*$/m, example![1]!));
    const run = await repo.run(['execute', 'own']);
    expect(run.code, run.stderr).toBe(0);
    expect(await git(repo.root, 'show', 'milestone/own:route.txt')).toBe('route');
  });

  it('the default agent missing: the advice names how to install it and how to change the plan, which works', async () => {
    const repo = await milestoneRepo();
    // No coding agent on PATH, whatever this machine has installed.
    const bin = tempDir('milestone-bin-');
    // git-lfs too where it is installed: a machine-wide `filter.lfs` config needs it.
    for (const tool of ['git', 'git-lfs', 'sh', 'node']) {
      const found = (await runFile('/bin/sh', ['-c', `command -v ${tool}`], repo.root)).stdout.trim();
      if (found) symlinkSync(found, join(bin, tool));
    }
    const run = (args: string[]) => milestone(repo.root, args, { ...repo.env, PATH: bin });
    mkdirSync(join(repo.root, 'plans'));
    const file = 'plans/docs.yaml';
    const yaml =
      'version: 1\nmilestone: Docs\nid: docs\ndefaults: { agent: claude }\ntasks:\n  - { id: intro, title: Intro, prompt: "Write intro.md", run: "echo intro > intro.md" }\n';
    writeFileSync(join(repo.root, file), yaml);
    expect((await run(['plan', '--from', file])).code).toBe(0);
    const refused = await run(['execute', 'docs']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('binary `claude` not found on PATH');
    expect(refused.stderr).toContain('install claude (npm install -g @anthropic-ai/claude-code');
    const change = /or change defaults\.agent in (\S+) and run `([^`]+)`/.exec(refused.stderr);
    expect(change?.[1]).toBe(file);
    // The shell agent runs `run` (also printed as the `--agent shell` fix).
    expect(refused.stderr).toContain('milestone execute docs --agent shell');
    writeFileSync(join(repo.root, file), yaml.replace('agent: claude', 'agent: shell'));
    expect((await run(change![2]!.split(' ').slice(1))).code).toBe(0);
    const done = await run(['execute', 'docs']);
    expect(done.code, done.stderr).toBe(0);
  });

  it('a second `milestone ui` on a taken port says how to choose another, exit 2', async () => {
    const repo = await milestoneRepo();
    expect(
      (
        await repo.plan({
          version: 1,
          milestone: 'U',
          id: 'u',
          tasks: [{ id: 'a', title: 'A', run: 'true' }],
        })
      ).code,
    ).toBe(0);
    const first = repo.spawn(['ui', '--port', '0']);
    await waitForOutput(first, 'dashboard: http://127.0.0.1:');
    const port = /127\.0\.0\.1:(\d+)\//.exec(first.output().stdout)![1]!;
    const second = await repo.run(['ui', '--port', port]);
    first.kill('SIGINT');
    await first.closed;
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(second.stderr).toContain('choose one with --port N, or --port 0 for any free one');
  });

  it('a hand-written YAML plan indented wrong names the line and what to look for, exit 2, nothing stored', async () => {
    const repo = await milestoneRepo();
    const deeper = 'version: 1\nmilestone: X\ntasks:\n  - id: a\n    title: A\n     run: echo\n';
    const shallower =
      'version: 1\nmilestone: X\ntasks:\n  - id: a\n    title: A\n    run: echo\n   needs: []\n';
    writeFiles(repo.root, { 'deeper.yaml': deeper, 'shallower.yaml': shallower });
    const one = await repo.run(['plan', '--from', 'deeper.yaml']);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain(`${join(repo.root, 'deeper.yaml')}:5:12: malformed YAML:`);
    expect(one.stderr).toContain('runs on into a line indented further below it');
    const two = await repo.run(['validate', 'shallower.yaml']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain(`${join(repo.root, 'shallower.yaml')}:7:1: malformed YAML:`);
    expect(two.stderr).toContain('indented less than the keys of the list item above it');
    expect((await repo.run(['list', '--json'])).stdout.trim()).toBe('[]');
  });

  it('a Markdown plan with a repeated task number names both lines once, exit 2', async () => {
    const root = await gitRepo();
    writeFileSync(
      join(root, 'tasks.md'),
      '# Tasks: X\n\n## Phase 1: Setup\n- [ ] T001 Create project\n- [ ] T001 Again\n',
    );
    const result = await milestone(root, ['validate', 'tasks.md']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${join(root, 'tasks.md')}:5: task id "t001" is used twice: line 4 and line 5`,
    );
  });
});

/** Every file under `root` but `.git/`, with its content: what a command may not change. */
function files(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const name = relative(root, path);
    if (name === '.git' || name.startsWith(`.git${sep}`) || !entry.isFile()) continue;
    found[name] = readFileSync(path, 'base64');
  }
  return found;
}
