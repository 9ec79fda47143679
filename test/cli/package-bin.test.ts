import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFile, tempDir } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: { milestone: string };
  files: string[];
};
/** The package's `bin`, as npm links it into node_modules/.bin: a symlink, started directly. */
const BIN = join(ROOT, MANIFEST.bin.milestone);

/** node's warning for a NODE_EXTRA_CA_CERTS it read at its start and could not load. */
const READ_AT_START = /Ignoring extra certs from/;

/** A `milestone` linked into a folder of its own, as `npm install -g` or npx link it. */
function linkedBin(): string {
  const dir = tempDir('milestone-link-');
  symlinkSync(BIN, join(dir, 'milestone'));
  return join(dir, 'milestone');
}

/** A folder with a `git` that writes the environment it was started with to `file`, then runs git. */
function recordingGit(file: string): string {
  const dir = tempDir('milestone-git-');
  const git = join(dir, 'git');
  writeFileSync(git, `#!/bin/sh\nenv >> '${file}'\nPATH='${process.env.PATH}' exec git "$@"\n`);
  chmodSync(git, 0o755);
  return dir;
}

describe("the package's bin (sh, then node on the same file)", () => {
  it('is shipped, and runs through a symlink from any folder', async () => {
    expect(MANIFEST.files).toContain(MANIFEST.bin.milestone.split('/')[0]);
    const result = await runFile(linkedBin(), ['--version'], tempDir());
    expect(result).toEqual({ code: 0, stdout: `${MANIFEST.version}\n`, stderr: '' });
    // Arguments reach the CLI as typed (a space and a quote in one; an empty one).
    const repo = await milestoneRepo();
    const missing = await runFile(linkedBin(), ['plan', '--from', "my plan's.yaml"], repo.root);
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining("my plan's.yaml: plan file not found"),
    });
    const empty = await runFile(linkedBin(), ['plan', '--from', ''], repo.root);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('plan needs a title');
  });

  it("starts the version, help and reads without NODE_EXTRA_CA_CERTS (node's ~40 ms), other commands with it", async () => {
    // A file that does not exist: node warns at its start when it reads the variable.
    const env = { NODE_EXTRA_CA_CERTS: join(tempDir(), 'missing.pem') };
    const control = await runFile(process.execPath, ['-e', '0'], tempDir(), env);
    expect(control.stderr).toMatch(READ_AT_START);

    for (const args of [['--version'], ['-V'], ['--help'], [], ['help', 'status'], ['status', '--help']]) {
      const result = await runFile(linkedBin(), args, tempDir(), env);
      expect(result.stderr, args.join(' ')).not.toMatch(READ_AT_START);
      expect(result.stdout + result.stderr, args.join(' ')).toMatch(/^(Usage: milestone|\d+\.\d+\.\d+\n$)/);
    }
    // `execute` may open TLS connections of its own (webhooks, Redis): node reads the file.
    const execute = await runFile(linkedBin(), ['execute', '--help'], tempDir(), env);
    expect(execute.code).toBe(0);
    expect(execute.stderr).toMatch(READ_AT_START);
  });

  it('hands NODE_EXTRA_CA_CERTS on, unchanged, to what plan starts; a read prints what it prints without it', async () => {
    const repo = await milestoneRepo();
    const certs = join(tempDir(), 'corporate ca.pem');
    writeFileSync(certs, '');
    const seen = join(tempDir(), 'git-env.txt');
    const PATH = `${recordingGit(seen)}:${process.env.PATH}`;
    writeFileSync(
      join(repo.root, 'plan.yaml'),
      'version: 1\nmilestone: Certificates\nid: certs\ntasks:\n  - id: a\n    title: A\n    run: "true"\n',
    );
    const planned = await runFile(linkedBin(), ['plan', '--from', 'plan.yaml'], repo.root, {
      ...repo.env,
      PATH,
      NODE_EXTRA_CA_CERTS: certs,
    });
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stderr).not.toMatch(READ_AT_START);

    const without = await runFile(linkedBin(), ['status', 'certs', '--json'], repo.root, {
      ...repo.env,
      PATH,
    });
    const withCerts = await runFile(linkedBin(), ['status', 'certs', '--json'], repo.root, {
      ...repo.env,
      PATH,
      NODE_EXTRA_CA_CERTS: certs,
    });
    expect(withCerts).toEqual(without);
    expect(JSON.parse(withCerts.stdout)).toMatchObject({ id: 'certs' });
    // The gits `plan` started saw the user's value, and nothing of ours.
    const environment = readFileSync(seen, 'utf8');
    expect(environment).toContain(`NODE_EXTRA_CA_CERTS=${certs}\n`);
    expect(environment).not.toContain('MILESTONE_NODE_EXTRA_CA_CERTS');
  });

  it('in a folder removed under the shell (a landed worktree): one message and exit 2, not a stack trace', async () => {
    const parent = tempDir();
    const script = `mkdir gone && cd gone && rmdir ../gone && exec '${linkedBin()}' status`;
    const result = await runFile('/bin/sh', ['-c', script], parent);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('milestone: the folder you are in no longer exists');
    expect(result.stderr).toContain('cd to your repository');
    expect(result.stderr).not.toMatch(/uv_cwd|\n\s+at /);
  });
});
