import { describe, expect, it } from 'vitest';
import { conflictSteps, formatConflict } from '../../src/cli/conflict-advice.js';

describe('conflict advice', () => {
  const base = {
    milestoneId: 'colors',
    milestoneBranch: 'milestone/colors',
    taskBranch: 'milestone/colors.tasks/blue',
    repoRoot: '/home/me/my repo',
  };

  it('adds the worktree back first when it is gone, and quotes paths for the shell', () => {
    const steps = conflictSteps({ ...base, worktree: "/state/it's here/blue", worktreeExists: false });
    expect(steps).toEqual([
      "git -C '/home/me/my repo' worktree add '/state/it'\\''s here/blue' milestone/colors.tasks/blue",
      "cd '/state/it'\\''s here/blue'",
      'git merge milestone/colors',
      'git add -A && git commit -m "Resolve conflict with milestone/colors"',
      'milestone execute colors',
    ]);
  });

  it('prints no inline comments (zsh would hand them to git)', () => {
    const steps = conflictSteps({ ...base, worktree: '/state/blue', worktreeExists: true });
    const lines = formatConflict('milestone/colors', {
      taskId: 'blue',
      branch: base.taskBranch,
      files: ['config.txt'],
      worktree: '/state/blue',
      worktreeExists: true,
      reason: null,
      steps,
    });
    expect(lines[0]).toBe(
      'conflict: task blue does not merge cleanly into milestone/colors; files: config.txt',
    );
    for (const step of steps) expect(step).not.toContain('#');
  });
});
