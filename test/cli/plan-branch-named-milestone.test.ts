import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, gitRepo, milestone, tempDir, writeFiles } from '../helpers/git-repo.js';

const PLAN = [
  'version: 1',
  'milestone: Branch clash',
  'id: bc',
  'defaults: { agent: shell }',
  'tasks:',
  '  - { id: a, title: Task A, run: "echo a > a.txt", files: [a.txt] }',
  '',
].join('\n');

// A repository with a branch named `milestone` (people name branches so): git cannot create
// `milestone/<id>` beside it. `plan` used to accept the plan and `execute` then failed with
// git's "cannot lock ref 'refs/heads/milestone/bc': 'refs/heads/milestone' exists".
describe('plan in a repository with a branch named "milestone"', () => {
  for (const packed of [false, true]) {
    it(`refuses with exit 2, naming the branch and the fix (${packed ? 'packed' : 'loose'} ref), and leaves nothing behind`, async () => {
      const root = await gitRepo();
      const env = { XDG_STATE_HOME: tempDir('milestone-state-') };
      await git(root, 'branch', 'milestone');
      if (packed) await git(root, 'pack-refs', '--all');
      writeFiles(root, { 'plan.yaml': PLAN });

      const refused = await milestone(root, ['plan', '--from', 'plan.yaml'], env);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain('a branch named "milestone" exists');
      expect(refused.stderr).toContain('git branch -m milestone milestone-old');
      // Refused before anything was stored: no state folder is left behind either.
      expect(existsSync(join(root, '.milestones'))).toBe(false);
      expect(await git(root, 'status', '--porcelain')).toBe('?? plan.yaml');
      const list = await milestone(root, ['list', '--json'], env);
      expect(JSON.parse(list.stdout)).toEqual([]);

      await git(root, 'branch', '-m', 'milestone', 'milestone-old');
      const planned = await milestone(root, ['plan', '--from', 'plan.yaml'], env);
      expect(planned.code, planned.stderr).toBe(0);
      const run = await milestone(root, ['execute', 'bc'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(await git(root, 'show', 'milestone/bc:a.txt')).toBe('a');
    });
  }
});
