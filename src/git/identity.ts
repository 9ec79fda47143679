import { gitExec } from './git-exec.js';

/** Used when the machine has no git identity (fresh CI box, container). */
export const FALLBACK_IDENTITY = { name: 'milestone', email: 'milestone@localhost' } as const;

const decided = new Map<string, Promise<string[]>>();

/**
 * `-c user.name=... -c user.email=...` for whichever of the two git config lacks in `cwd`, so
 * milestone's commits work on a machine with no identity. Decided once per directory; the
 * `GIT_AUTHOR_*`/`GIT_COMMITTER_*` variables still win over these, as over any config.
 */
export function identityArgs(cwd: string): Promise<string[]> {
  let args = decided.get(cwd);
  if (!args) {
    args = decideIdentityArgs(cwd);
    decided.set(cwd, args);
    // A failed lookup (not a repository yet) must not be remembered.
    args.catch(() => decided.delete(cwd));
  }
  return args;
}

async function decideIdentityArgs(cwd: string): Promise<string[]> {
  const [name, email] = await Promise.all(
    (['user.name', 'user.email'] as const).map((key) =>
      gitExec(cwd, ['config', '--get', key], { allowExitCodes: [1] }),
    ),
  );
  const args: string[] = [];
  if (!name?.stdout.trim()) args.push('-c', `user.name=${FALLBACK_IDENTITY.name}`);
  if (!email?.stdout.trim()) args.push('-c', `user.email=${FALLBACK_IDENTITY.email}`);
  return args;
}
