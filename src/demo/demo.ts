#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { main } from '../cli/main.js';
import { demoPlan, demoProject } from './demo-plan.js';

/**
 * `npm start`: a real milestone, end to end, in a throwaway git repository: plan, dry run,
 * execute with the built-in `shell` agent in parallel worktrees, status. No API key needed.
 */
async function demo(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'milestone-demo-'));
  const repo = join(root, 'repo');
  // Worktrees go under the demo folder, not the user's state directory.
  process.env.XDG_STATE_HOME = join(root, 'state');
  mkdirSync(repo);
  for (const [path, content] of Object.entries(demoProject)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  writeFileSync(join(repo, 'milestone.yaml'), stringify(demoPlan));
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
  await step('what would run, changing nothing', ['execute', 'stats', '--dry-run']);
  await step('run it: 4 agents at once, each in its own worktree', [
    'execute',
    'stats',
    '--mode',
    'agents',
    '--concurrency',
    '4',
  ]);
  await step('true progress, from merged work', ['status', 'stats']);
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  process.stdout.write(
    `\nWhere to look:\n` +
      `  cd ${repo}\n` +
      `  git log --graph --oneline milestone/stats     # task merges and phase commits\n` +
      `  git show milestone/stats:src/stats/index.js     # the code the tasks wrote\n` +
      `  node ${cli} show stats   # plan, critical path, tasks\n` +
      `  ls ${join(repo, '.milestones', '.local', 'logs', 'stats')}   # one log per task attempt\n` +
      `Your main branch is untouched; \`milestone finish stats\` would merge the milestone into it.\n`,
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
