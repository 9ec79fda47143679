import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, writeFiles } from '../helpers/git-repo.js';
import type { MilestoneRepo } from '../helpers/milestone-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';
import { tmuxSession } from '../helpers/tmux.js';

/** Two tasks that print a line, then hold until the gate file exists; one design task before. */
async function gatedPlan(repo: MilestoneRepo, id: string): Promise<string> {
  const gate = join(repo.stateHome, 'gate');
  const hold = `while [ ! -f ${gate} ]; do sleep 0.05; done`;
  expect(
    (
      await repo.plan({
        version: 1,
        milestone: 'Live view',
        id,
        tasks: [
          { id: 'sketch', title: 'Sketch', phase: 'design', run: 'echo sketch > sketch.md' },
          { id: 'compile', title: 'Compile', run: `echo "compiling module one"; ${hold}; echo 1 > one.txt` },
          { id: 'lint', title: 'Lint', run: `echo "linting every file"; ${hold}; echo 2 > two.txt` },
        ],
      })
    ).code,
  ).toBe(0);
  return gate;
}

const ESC = String.fromCharCode(27);

describe('live terminal view (tmux pseudo-terminal)', () => {
  it('execute redraws in place: phase bars, running tasks with agent, attempt, elapsed and last line', async () => {
    const repo = await milestoneRepo();
    await gatedPlan(repo, 'live');
    const width = 90;
    const tty = await tmuxSession({
      cwd: repo.root,
      argv: [process.execPath, CLI, 'execute', 'live', '--mode', 'agents', '--concurrency', '2'],
      env: repo.env,
      width,
    });
    const screen = await tty.waitFor(
      (s) => s.includes('compiling module one') && s.includes('linting every file'),
      'both tasks running with their last output line',
    );
    expect(screen).toMatch(/running compile {2}shell {2}attempt 1 {2}\d+:\d\d {2}compiling module one/);
    expect(screen).toMatch(/running lint {2}shell {2}attempt 1 {2}\d+:\d\d {2}linting every file/);
    expect(screen).toMatch(/design +\[#+\] 100% {2}1\/1/);
    expect(screen).toMatch(/execute +\[\.+\] +0% {2}0\/2/);
    expect(screen).toMatch(/landed 1 {2}running 2 {2}waiting 0 {2}failed 0 {2}skipped 0 {2}conflicted 0/);
    expect(screen).toContain('cost unknown  tokens unknown');
    // Drawn in place: one frame on screen, every line inside the terminal's width.
    expect(screen.match(/^overall /gm)).toHaveLength(1);
    for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(width);
    // Colour is on by default on a terminal.
    expect(await tty.screen(true)).toContain(`${ESC}[`);

    writeFiles(repo.stateHome, { gate: '' });
    const done = await tty.waitFor((s) => s.includes('[exit 0]'), 'execute to finish');
    expect(done).toMatch(/^completed · agents · milestone\/live/m);
    expect(done).toMatch(/overall +\[#+\] 100%/);
    expect(done).toMatch(/landed 3 {2}running 0/);
    expect(done.match(/^overall /gm)).toHaveLength(1);
  });

  it('status --watch shows the same view of a run in another process, without colour under NO_COLOR', async () => {
    const repo = await milestoneRepo();
    await gatedPlan(repo, 'watched');
    const runner = repo.spawn(['execute', 'watched', '--mode', 'agents', '--concurrency', '2']);
    const tty = await tmuxSession({
      cwd: repo.root,
      argv: [process.execPath, CLI, 'status', 'watched', '--watch'],
      env: { ...repo.env, NO_COLOR: '1' },
      width: 70,
    });
    // The watcher has no agent events: the last line comes from the attempt's log.
    const screen = await tty.waitFor(
      (s) => s.includes('compiling module one') && s.includes('linting every file'),
      'the watcher to show both running tasks',
    );
    expect(screen).toMatch(/running compile {2}shell {2}attempt 1/);
    for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(70);
    expect(await tty.screen(true)).not.toMatch(new RegExp(`${ESC}\\[3\\dm`));
    writeFiles(repo.stateHome, { gate: '' });
    const [code] = await once(runner, 'exit');
    expect(code).toBe(0);
    const done = await tty.waitFor((s) => s.includes('[exit 0]'), 'status --watch to end');
    expect(done).toMatch(/^completed/m);
    expect(done).toMatch(/overall +\[#+\] 100%/);
    expect(done.match(/^overall /gm)).toHaveLength(1);
  });

  it('falls back to plain lines on a terminal under CI', async () => {
    const repo = await milestoneRepo();
    const gate = await gatedPlan(repo, 'ci');
    writeFiles(repo.stateHome, { gate: '' });
    expect(gate).toContain('gate');
    const tty = await tmuxSession({
      cwd: repo.root,
      argv: [process.execPath, CLI, 'execute', 'ci', '--mode', 'agents'],
      env: { ...repo.env, CI: 'true' },
      width: 120,
      height: 40,
    });
    const done = await tty.waitFor((s) => s.includes('[exit 0]'), 'execute to finish');
    expect(done).toMatch(/^> compile started \(attempt 1, shell\)/m);
    expect(done).toMatch(/^= compile merged as [0-9a-f]{10}/m);
    expect(done).not.toMatch(/^overall /m);
  });
});

describe('plain mode (not a terminal)', () => {
  it('prints one line per step and no escape sequences', async () => {
    const repo = await milestoneRepo();
    await gatedPlan(repo, 'plain');
    writeFiles(repo.stateHome, { gate: '' });
    const child = repo.spawn(['execute', 'plain', '--mode', 'agents']);
    const [code] = await once(child, 'exit');
    const { stdout } = child.output();
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('> sketch started (attempt 1, shell)');
    // The duration as formatSpanMs writes it: `4.2s` and `4s` under 10 s, `12s`, `1m 5s` on a busy machine.
    expect(lines.some((l) => /^\+ compile succeeded in (\d+(\.\d)?s|\d+m( \d+s)?)$/.test(l))).toBe(true);
    expect(lines.some((l) => /^= lint merged as [0-9a-f]{10}$/.test(l))).toBe(true);
    expect(lines.some((l) => /^# phase execute committed as [0-9a-f]{10}$/.test(l))).toBe(true);
    expect(stdout).not.toContain(ESC);
  });
});
