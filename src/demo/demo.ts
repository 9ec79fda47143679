#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { main } from '../cli/main.js';
import { conflictingPlan, conflictingProject } from './conflicting-plan.js';
import { demoPlan, demoProject } from './demo-plan.js';

/**
 * `npm start`: a real milestone, end to end, in a throwaway git repository: plan, dry run,
 * execute with the built-in `shell` agent in parallel worktrees, status. No API key needed.
 */
async function demo(): Promise<number> {
  // `--conflicting`: the integration-check demo (two tasks green alone, red together).
  const conflicting = process.argv.includes('--conflicting');
  const project = conflicting ? conflictingProject : demoProject;
  const plan = conflicting ? conflictingPlan : demoPlan;
  const id = plan.id;
  const root = mkdtempSync(join(tmpdir(), 'milestone-demo-'));
  const repo = join(root, 'repo');
  // Worktrees go under the demo folder, not the user's state directory.
  process.env.XDG_STATE_HOME = join(root, 'state');
  mkdirSync(repo);
  for (const [path, content] of Object.entries(project)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  writeFileSync(join(repo, 'milestone.yaml'), stringify(plan));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' }).toString();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'milestone demo');
  git('config', 'user.email', 'demo@milestone.invalid');
  git('add', '-A');
  git('commit', '-q', '-m', 'A small statistics library');

  // Bold only on a terminal that wants colour: piped output and NO_COLOR get plain text.
  const bold = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  const step = async (title: string, args: string[]) => {
    const command = `$ milestone ${args.join(' ')}`;
    process.stdout.write(`\n${bold ? `\x1b[1m${command}\x1b[0m` : command}   # ${title}\n`);
    const code = await main(args, undefined, repo);
    if (code !== 0) throw new Error(`milestone ${args.join(' ')} exited with ${code}`);
  };
  process.stdout.write(`demo repository: ${repo}\n`);
  await step('project settings', ['init']);
  await step('plan from a YAML file', ['plan', '--from', 'milestone.yaml']);
  await step('what would run, changing nothing', ['execute', id, '--dry-run']);
  await step(
    conflicting
      ? 'run it: both tasks pass alone; the integration check on the combined tree catches the clash'
      : 'run it: 4 agents at once, each in its own worktree',
    ['execute', id, '--mode', 'agents', '--concurrency', conflicting ? '2' : '4'],
  );
  await step('true progress, from merged work', ['status', id]);
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  process.stdout.write(
    `\nWhere to look:\n` +
      `  cd ${repo}\n` +
      `  git log --graph --oneline milestone/${id}     # task merges${conflicting ? ', the revert (Reverted: trailer)' : ''} and phase commits\n` +
      (conflicting
        ? `  git log --format='%s%n%b' milestone/${id} --grep=Reverted   # which landing was undone, and why\n`
        : `  git show milestone/${id}:src/stats/index.js     # the code the tasks wrote\n`) +
      `  node ${cli} metrics ${id}   # time per step${conflicting ? ', integration checks, bisect steps, reverts' : ''}\n` +
      `  ls ${join(repo, '.milestones', '.local', 'logs', id)}   # one log per task attempt\n` +
      `Your main branch is untouched; \`milestone finish ${id}\` would merge the milestone into it.\n`,
  );
  return 0;
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
