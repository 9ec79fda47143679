import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { recordingIo } from '../../src/io/io.js';
import { tempDir } from '../helpers/git-repo.js';

/** Runs the CLI in-process in an empty folder; nothing may be written there on a refusal. */
async function run(...argv: string[]) {
  const cwd = tempDir();
  const io = recordingIo();
  const code = await main(argv, io, cwd);
  return {
    code,
    stderr: io.stderr.join('\n'),
    stdout: io.stdout.join('\n'),
    wrote: existsSync(join(cwd, '.milestones')),
  };
}

describe('options declared once (commander with extra-typings)', () => {
  it.each([
    [
      ['plan', '--from', 'plan.yaml', '--planner', 'claude'],
      "option '--planner <name>' cannot be used with option '--from <file>'",
    ],
    [
      ['plan', '--from', 'plan.yaml', '--max-attempts', '2'],
      "option '--max-attempts <n>' cannot be used with option '--from <file>'",
    ],
    [
      ['plan', 'Title', '--description', 'x', '--from', 'p.yaml'],
      "option '--description <text>' cannot be used with option '--from <file>'",
    ],
    [
      ['plan', '--from', 'p.yaml', '--adopt-branch', '--new-branch'],
      "option '--adopt-branch' cannot be used with option '--new-branch'",
    ],
    [
      ['plan', '--from', 'p.yaml', '--replace', '--new-branch'],
      "option '--new-branch' cannot be used with option '--replace [id]'",
    ],
    [
      ['review', 'm', '--phase', 'design', '--approve', '--reject'],
      "option '--approve' cannot be used with option '--reject'",
    ],
    [
      ['review', 'm', '--phase', 'design', '--reject', '--request-changes'],
      "option '--reject' cannot be used with option '--request-changes'",
    ],
  ])('refuses %j with exit 2, naming both flags, changing nothing', async (argv, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.wrote).toBe(false);
  });

  it('parses typed values before any command runs: a bad number or choice is exit 2', async () => {
    const concurrency = await run('execute', '--concurrency', '0');
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toContain(
      "option '--concurrency <n>' argument '0' is invalid. must be a positive integer",
    );
    const mode = await run('execute', '--mode', 'swarm');
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain('Allowed choices are auto, direct, agents, hybrid');
  });

  it("plan's help names its three jobs and groups their options", async () => {
    const { code, stdout } = await run('plan', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('plan --from FILE [title]  import a plan file');
    expect(stdout).toContain('plan "<title>"            a planner agent');
    expect(stdout).toContain('plan --id ID              run the analyses of a stored plan again');
    const importing = stdout.indexOf('Import a plan file');
    const generating = stdout.indexOf('Generate the plan with a planner agent');
    expect(importing).toBeGreaterThan(0);
    expect(stdout.indexOf('--adopt-branch')).toBeGreaterThan(importing);
    expect(stdout.indexOf('--adopt-branch')).toBeLessThan(generating);
    expect(stdout.indexOf('--planner <name>')).toBeGreaterThan(generating);
  });
});
