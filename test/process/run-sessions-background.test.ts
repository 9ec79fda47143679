import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsync } from '../helpers/async-cli.js';
import { CLI, gitRepo, tempDir } from '../helpers/git-repo.js';

const DIST = join(CLI, '../..');

/**
 * A `git` for PATH that records what it runs at: its niceness (field 19 of /proc/<pid>/stat), its
 * session (field 6) and its session's autogroup line ("/autogroup-12 nice 7"; empty in the
 * kernel's default group, absent without autogroups), once that says `want` (the coordinator
 * writes it just after the start; an unprivileged write may wait for another's 100 ms), or as it
 * is after 5 s. Then it runs nothing.
 */
function recordingGit(out: string, want: number): string {
  const bin = tempDir('milestone-fake-git-');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'git'),
    [
      '#!/bin/sh',
      'ag=$(cat /proc/$$/autogroup 2>/dev/null)',
      'i=0',
      `while [ -n "$ag" ] && [ "\${ag##* nice }" != ${want} ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); ag=$(cat /proc/$$/autogroup); done`,
      `echo "$* | $(cut -d' ' -f19 /proc/$$/stat) $(cut -d' ' -f6 /proc/$$/stat) | $ag" >> '${out}'`,
    ].join('\n'),
  );
  chmodSync(join(bin, 'git'), 0o755);
  return bin;
}

// The run's work started in sessions of their own (detached) must be nice among sessions too:
// where the kernel groups processes by session (autogroup), a session at 0 takes as much of a
// core as the user's shell whatever its processes' niceness. The git shells and tasks were; the
// background removal of old slots, the run's closing git maintenance (git's own daemon made a
// session at 0) and the coordinator's long-lived git processes (in the user's session) were not.
describe("the run's background sessions at its niceness", () => {
  it('removeInBackground and the closing maintenance: the run niceness, their own session, at that niceness', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a\n' } });
    const out = join(tempDir('milestone-nice-out-'), 'seen');
    const trash = join(tempDir('milestone-trash-'), '_trash-x');
    mkdirSync(trash);
    writeFileSync(join(trash, 'file'), 'x');
    const script = `
      import { readFileSync } from 'node:fs';
      import { lowerOwnPriority, runNiceness } from ${JSON.stringify(join(DIST, 'process/run-priority.js'))};
      import { removeInBackground } from ${JSON.stringify(join(DIST, 'engine/worktree-pool.js'))};
      import { autoMaintenance } from ${JSON.stringify(join(DIST, 'git/maintenance.js'))};
      lowerOwnPriority(4);
      removeInBackground(${JSON.stringify(repo)}, ${JSON.stringify(trash)});
      await autoMaintenance(${JSON.stringify(repo)}, { log: ${JSON.stringify(`${out}-maintenance.log`)} });
      const sid = Number(readFileSync('/proc/self/stat', 'latin1').split(') ')[1].split(' ')[3]);
      console.log(JSON.stringify({ run: runNiceness(4), sid }));
    `;
    const own = Number(readFileSync('/proc/self/stat', 'latin1').split(') ')[1]!.split(' ')[16]);
    const target = Math.min(19, own + 4);
    const bin = recordingGit(out, target);
    const result = await runAsync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tempDir(),
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout) as { run: number; sid: number };
    expect(seen.run).toBe(target);
    // Both detached processes outlive the script: wait for their records.
    const deadline = Date.now() + 15_000;
    const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []);
    while (lines().length < 2 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    const byCommand = (start: string) => lines().find((line) => line.startsWith(start));
    const prune = byCommand('-C');
    const maintenance = lines().find((line) => line.includes('maintenance run --auto'));
    expect(prune, lines().join('\n')).toMatch(/ worktree prune \| /);
    expect(maintenance, lines().join('\n')).toContain('-c gc.autoDetach=false');
    for (const line of [prune!, maintenance!]) {
      const [, at, group] = line.split(' | ') as [string, string, string];
      const [nice, sid] = at.split(' ').map(Number) as [number, number];
      expect(nice, line).toBe(target);
      // A session of its own, not the script's.
      expect(sid, line).not.toBe(seen.sid);
      // Its session's autogroup at the run's niceness, where the kernel has them.
      const found = / nice (-?\d+)/.exec(group);
      if (existsSync('/proc/self/autogroup')) expect(found?.[1], line).toBe(String(target));
    }
    expect(existsSync(trash)).toBe(false);
    // The maintenance says where it ran and how it ended, in the log it was given.
    const maintenanceLog = () => readFileSync(`${out}-maintenance.log`, 'utf8');
    while (!maintenanceLog().includes('exit') && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 100));
    const log = maintenanceLog();
    expect(log).toMatch(/^--- milestone: git maintenance run --auto in .+, started \S+ ---\n/);
    expect(log).toMatch(/--- milestone: exit 0 at \S+ ---\n$/);
  });

  it("the coordinator's long-lived git processes: their own session, at the run's niceness", async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a\n' } });
    const script = `
      import { readdirSync, readFileSync } from 'node:fs';
      import { lowerOwnPriority, runNiceness } from ${JSON.stringify(join(DIST, 'process/run-priority.js'))};
      import { GitLineProcess } from ${JSON.stringify(join(DIST, 'git/line-process.js'))};
      const fields = (pid) => readFileSync('/proc/' + pid + '/stat', 'latin1').split(') ')[1].split(' ');
      lowerOwnPriority(4);
      const git = new GitLineProcess(${JSON.stringify(repo)}, ['cat-file', '--batch-check']);
      const answer = await git.ask('HEAD');
      const [pid] = readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
        try { return Number(fields(p)[1]) === process.pid && readFileSync('/proc/' + p + '/comm', 'utf8').trim() === 'git'; } catch { return false; }
      });
      const group = () => { try { return / nice (-?\\d+)/.exec(readFileSync('/proc/' + pid + '/autogroup', 'utf8'))?.[1] ?? null; } catch { return null; } };
      for (let i = 0; i < 30 && group() !== null && Number(group()) < runNiceness(4); i++) await new Promise((done) => setTimeout(done, 100));
      console.log(JSON.stringify({ answer, pid: Number(pid), nice: Number(fields(pid)[16]), sid: Number(fields(pid)[3]), group: group(), ownSid: Number(fields(process.pid)[3]), run: runNiceness(4) }));
      await git.close();
    `;
    const result = await runAsync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tempDir(),
    });
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout) as {
      answer: string;
      pid: number;
      nice: number;
      sid: number;
      group: string | null;
      ownSid: number;
      run: number;
    };
    expect(seen.answer).toMatch(/^[0-9a-f]{40} commit \d+$/);
    expect(seen.nice).toBe(seen.run);
    // Its own session (it leads it), no longer the coordinator's (the user's shell's).
    expect(seen.sid).toBe(seen.pid);
    expect(seen.sid).not.toBe(seen.ownSid);
    if (existsSync('/proc/self/autogroup')) expect(seen.group).toBe(String(seen.run));
  });
});
