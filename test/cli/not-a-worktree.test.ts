import { chownSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, gitRepo, milestone, runFile, tempDir } from '../helpers/git-repo.js';

// Where git has a repository but no working tree, `git init` (the advice for no repository at
// all) changes nothing: each place gets the advice that works there, typed as printed.

/** The one command between backticks in `text` that starts with `prefix`, run by sh in `cwd`. */
async function runAdvice(text: string, prefix: string, cwd: string): Promise<void> {
  const command = [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).find((c) => c.startsWith(prefix));
  expect(command, text).toBeDefined();
  const ran = await runFile('sh', ['-c', command!], cwd);
  expect(ran.code, ran.stderr).toBe(0);
}

/** The folder a printed `cd '<path>'` goes to. */
function cdTarget(text: string): string {
  const path = /`cd '([^']+)'`/.exec(text)?.[1];
  expect(path, text).toBeDefined();
  return path!;
}

describe('a command run where git has no working tree', () => {
  it('in a bare repository: names it and the worktree to make, which then works (exit 2, nothing written)', async () => {
    const source = await gitRepo();
    const parent = tempDir('milestone-bare-');
    const bare = join(parent, 'my repo.git');
    await git(parent, 'clone', '-q', '--bare', source, bare);
    const before = readdirSync(bare).sort();
    const refused = await milestone(bare, ['init']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${bare} is a bare repository (no working tree)`);
    expect(refused.stderr).not.toContain('git init');
    expect(readdirSync(bare).sort()).toEqual(before);
    // The worktree it names, made as printed, then the command again from there.
    await runAdvice(refused.stderr, 'git -C', bare);
    const work = cdTarget(refused.stderr);
    expect(work).toBe(join(parent, 'my repo-work'));
    expect((await milestone(work, ['init'])).code).toBe(0);
    expect(statSync(join(work, '.milestones', 'config.yaml')).isFile()).toBe(true);
    // Run in the bare repository again: now it points at that worktree, not at a second one.
    const again = await milestone(join(bare, 'refs'), ['status']);
    expect(again.code).toBe(2);
    expect(cdTarget(again.stderr)).toBe(work);
    expect(again.stderr).not.toContain('worktree add');
  });

  it('in a bare repository without a commit: says a commit comes first (a worktree needs one)', async () => {
    const bare = join(tempDir('milestone-bare-'), 'empty.git');
    await git(tempDir(), 'init', '-q', '--bare', bare);
    const refused = await milestone(bare, ['status']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is a bare repository (no working tree)');
    expect(refused.stderr).toContain('no commit yet');
    expect(refused.stderr).not.toContain('worktree add');
  });

  it('inside the .git folder: names the working tree to go to', async () => {
    const root = await gitRepo();
    const inside = join(root, '.git', 'refs', 'heads');
    const refused = await milestone(inside, ['plan', '--from', 'plan.yaml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`is inside the .git folder of ${root}`);
    expect(refused.stderr).not.toContain('git init');
    expect(cdTarget(refused.stderr)).toBe(root);
  });

  it('outside any repository: still says git init', async () => {
    const refused = await milestone(tempDir(), ['status']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not inside a git repository: .* \(run `git init` first\)/);
  });

  // A repository another user owns (a volume mounted into a container): git refuses it.
  it.skipIf(process.getuid?.() !== 0)(
    "in another user's repository: says git refuses it and how to trust it, which then works",
    async () => {
      const root = await gitRepo();
      const chownTree = (dir: string): void => {
        chownSync(dir, 65534, 65534);
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) chownTree(join(dir, entry.name));
          else chownSync(join(dir, entry.name), 65534, 65534);
        }
      };
      chownTree(root);
      // Its own global config, so trusting the folder changes nothing outside the test.
      const home = tempDir('milestone-home-');
      mkdirSync(join(home, 'xdg'));
      const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'xdg'), GIT_CONFIG_NOSYSTEM: '1' };
      const refused = await milestone(root, ['status'], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`git refuses the repository at ${root}: another user owns it`);
      expect(refused.stderr).not.toContain('git init');
      const trust = /`(git config --global --add safe\.directory [^`]+)`/.exec(refused.stderr)?.[1];
      expect(trust, refused.stderr).toBeDefined();
      expect((await runFile('sh', ['-c', trust!], root, env)).code).toBe(0);
      const after = await milestone(root, ['status'], env);
      expect(after.stderr).toContain('no milestone planned');
    },
  );
});
