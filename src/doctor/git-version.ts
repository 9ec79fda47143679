import type { Finding } from './finding.js';

/** The oldest git milestone works with: `merge-tree --write-tree` arrived in 2.38. */
export const MIN_GIT: readonly [number, number] = [2, 38];

/** `[major, minor, patch]` of `git --version` output, or `null` when it does not say. */
export function parseGitVersion(text: string): [number, number, number] | null {
  const match = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return null;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** The finding for the installed git, from its `--version` output (`null`: git did not run). */
export function gitFinding(versionText: string | null): Finding {
  const need = `${MIN_GIT[0]}.${MIN_GIT[1]}`;
  if (versionText === null)
    return {
      check: 'git',
      status: 'person',
      message: 'git is not installed or not on PATH',
      action: `install git ${need} or newer`,
    };
  const version = parseGitVersion(versionText);
  if (!version)
    return {
      check: 'git',
      status: 'person',
      message: `cannot read the git version from "${versionText.trim()}"`,
      action: `install git ${need} or newer`,
    };
  const [major, minor] = version;
  const shown = version.join('.');
  if (major > MIN_GIT[0] || (major === MIN_GIT[0] && minor >= MIN_GIT[1]))
    return { check: 'git', status: 'ok', message: `git ${shown}` };
  return {
    check: 'git',
    status: 'person',
    message: `git ${shown} is older than ${need} (merges need \`git merge-tree --write-tree\`)`,
    action: `upgrade git to ${need} or newer`,
  };
}
