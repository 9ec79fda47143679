import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Environment that changes how git finds a repository (or what its config says): with any of
 * these set, only git itself answers where the repository is.
 */
const GIT_DISCOVERY_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
];

/**
 * The top level of the git repository around `cwd` when it is a plain one, found without
 * starting git: the nearest folder (physical path, as `git rev-parse --show-toplevel` prints it)
 * whose `.git` is a directory owned by this user, holding `HEAD`, `objects/` and `refs/`, on the
 * same file system as `cwd`, and whose config neither names another work tree, says bare, nor
 * includes other files.
 * `null` for everything else (a linked worktree or submodule, whose `.git` is a file; git's
 * discovery environment; another owner, where git's `safe.directory` check applies; no
 * repository at all): then the caller asks git, whose answer and errors stay the reference.
 * Saves a read command its one git process (about 10 ms, and the modules that start it).
 */
export function locateQuickly(cwd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (GIT_DISCOVERY_ENV.some((name) => env[name] !== undefined)) return null;
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  try {
    let dir = realpathSync.native(cwd);
    const device = statSync(dir).dev;
    for (;;) {
      // Inside a .git folder git answers differently (no work tree): ask it.
      if (basename(dir) === '.git') return null;
      const gitDir = join(dir, '.git');
      const found = lstatSync(gitDir, { throwIfNoEntry: false });
      if (found) {
        if (!found.isDirectory() || found.uid !== uid || statSync(dir).uid !== uid) return null;
        // What git checks before it calls a folder a repository: HEAD, objects/ and refs/.
        if (!['HEAD', 'objects', 'refs'].every((name) => existsSync(join(gitDir, name)))) return null;
        if (existsSync(join(gitDir, 'commondir'))) return null;
        const config = readFileSync(join(gitDir, 'config'), 'utf8');
        if (/^\s*worktree\s*=|^\s*bare\s*(=\s*(true|yes|on|1)\s*)?$|^\s*\[\s*include/im.test(config))
          return null;
        return dir;
      }
      const parent = dirname(dir);
      // The root, or a mount point git's discovery would not cross.
      if (parent === dir || statSync(parent).dev !== device) return null;
      dir = parent;
    }
  } catch {
    return null;
  }
}
