import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * The absolute path of an executable, as the shell would find it: a name with a `/` is taken
 * as a path (relative to `cwd`), any other name is looked up on `pathEnv`. `null` when absent
 * or not executable.
 */
export function findExecutable(
  file: string,
  options: { pathEnv: string | undefined; cwd: string },
): string | null {
  if (file === '') return null;
  if (file.includes('/')) {
    const full = isAbsolute(file) ? file : resolve(options.cwd, file);
    return isExecutableFile(full) ? full : null;
  }
  for (const dir of (options.pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue;
    const full = join(dir, file);
    if (isExecutableFile(full)) return full;
  }
  return null;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
