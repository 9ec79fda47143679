import { describe, expect, it } from 'vitest';
import { gitFinding, parseGitVersion } from '../../src/doctor/git-version.js';

describe('git version check', () => {
  it('reads the versions git prints, vendor suffixes included', () => {
    expect(parseGitVersion('git version 2.39.5\n')).toEqual([2, 39, 5]);
    expect(parseGitVersion('git version 2.38.1.windows.1')).toEqual([2, 38, 1]);
    expect(parseGitVersion('git version 2.50.1 (Apple Git-155)')).toEqual([2, 50, 1]);
    expect(parseGitVersion('git version 3.0')).toEqual([3, 0, 0]);
    expect(parseGitVersion('hub version 2.14')).toBeNull();
  });

  it('accepts 2.38 and later, refuses older, missing or unreadable git', () => {
    expect(gitFinding('git version 2.38.0').status).toBe('ok');
    expect(gitFinding('git version 3.0.0').status).toBe('ok');
    expect(gitFinding('git version 2.37.9')).toMatchObject({
      status: 'person',
      action: 'upgrade git to 2.38 or newer',
    });
    expect(gitFinding(null)).toMatchObject({
      status: 'person',
      message: 'git is not installed or not on PATH',
    });
    expect(gitFinding('nonsense').status).toBe('person');
  });
});
