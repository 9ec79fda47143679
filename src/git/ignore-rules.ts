import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { gitBaseEnv } from './git-exec.js';

/**
 * git's exclude rules for untracked files, as `git add -A` applies them (gitignore(5)): the
 * `.gitignore` of each folder (deeper folders first, the last matching line of a file wins, a
 * `!` line re-includes), then `$GIT_COMMON_DIR/info/exclude`, then `core.excludesFile` (default
 * `$XDG_CONFIG_HOME/git/ignore`). Patterns are matched by the `ignore` package, case-sensitively
 * (a repository with `core.ignoreCase` is left to git). A folder that is excluded is not looked
 * into, so nothing below it can be re-included (the caller skips it), as git does.
 */
export class IgnoreRules {
  /** Each folder's rules (`''` the root, `a/b/` below), null when it has no `.gitignore`. */
  private readonly folders = new Map<string, Ignore | null>();
  private readonly global: Ignore[];

  constructor(commonDir: string, settings: ReadonlyMap<string, string>) {
    this.global = excludeFiles(commonDir, settings)
      .filter((file) => existsSync(file))
      .map((file) => rules(readFileSync(file, 'latin1')));
  }

  /** Whether folder `folder` (`''` or `a/b/`) has been entered. */
  entered(folder: string): boolean {
    return this.folders.has(folder);
  }

  /** Takes the rules of folder `folder` (`''` or `a/b/`) from its `.gitignore` text (null: none). */
  enter(folder: string, text: string | null): void {
    this.folders.set(folder, text === null ? null : rules(text));
  }

  /** Whether the untracked `path` (a folder when `folder`) is excluded; its folders must have been entered. */
  excluded(path: string, folder: boolean): boolean {
    const subject = folder ? `${path}/` : path;
    let slash = path.lastIndexOf('/');
    for (;;) {
      const base = slash < 0 ? '' : path.slice(0, slash + 1);
      const own = this.folders.get(base);
      if (own) {
        const verdict = own.test(subject.slice(base.length));
        if (verdict.ignored) return true;
        if (verdict.unignored) return false;
      }
      if (slash < 0) break;
      slash = path.lastIndexOf('/', slash - 1);
    }
    for (const list of this.global) {
      const verdict = list.test(subject);
      if (verdict.ignored) return true;
      if (verdict.unignored) return false;
    }
    return false;
  }
}

/**
 * The repository-wide exclude files, in the order they are checked (info/exclude wins over
 * core.excludesFile), whether or not they exist.
 */
export function excludeFiles(commonDir: string, settings: ReadonlyMap<string, string>): string[] {
  const home = gitBaseEnv().HOME ?? homedir();
  const configured = settings.get('core.excludesfile');
  const excludesFile =
    configured === undefined || configured === ''
      ? join(gitBaseEnv().XDG_CONFIG_HOME || join(home, '.config'), 'git', 'ignore')
      : configured.startsWith('~/')
        ? join(home, configured.slice(2))
        : configured;
  return [join(commonDir, 'info', 'exclude'), excludesFile].filter((file) => isAbsolute(file));
}

function rules(text: string): Ignore {
  return ignore({ ignorecase: false }).add(text);
}
