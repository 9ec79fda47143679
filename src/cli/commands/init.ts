import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claudeFiles } from '../../claude/templates.js';
import { CONFIG_TEMPLATE } from '../../config/config.js';
import { gitExec } from '../../git/git.js';
import { requireGit } from '../../git/git-on-path.js';
import type { Io } from '../../io/io.js';
import { findExecutable } from '../../process/which.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { MILESTONES_GITIGNORE, openWorkspace } from '../../workspace/workspace.js';

export interface InitOptions {
  cwd: string;
  io: Io;
  /** Also install Claude Code slash commands and subagents. */
  claude: boolean;
  /** Overwrite existing files. */
  force: boolean;
}

/** What `init` did to each file. */
export interface InitResult {
  written: string[];
  /** Of `written`, those that existed before (`--force`, or `.mcp.json` merged). */
  replaced: string[];
  kept: string[];
}

/** Creates `.milestones/config.yaml`, `.milestones/.gitignore` and, with `claude`, `.claude/` files. */
export async function init(options: InitOptions): Promise<InitResult> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const files: Record<string, string> = {
    [workspace.configFile]: CONFIG_TEMPLATE,
    [join(workspace.milestonesDir, '.gitignore')]: MILESTONES_GITIGNORE,
  };
  if (options.claude) {
    for (const [path, content] of Object.entries(claudeFiles())) files[join(workspace.root, path)] = content;
  }
  const result: InitResult = { written: [], replaced: [], kept: [] };
  for (const [path, template] of Object.entries(files)) {
    const shown = relative(options.cwd, path) || path;
    // Other MCP servers the project registered stay: only `milestone` is added to `.mcp.json`.
    const content =
      basename(path) === '.mcp.json' && existsSync(path)
        ? mergeMcpConfig(path, template, options.force)
        : template;
    if (content === null || (existsSync(path) && !options.force && basename(path) !== '.mcp.json')) {
      result.kept.push(shown);
      continue;
    }
    const existed = existsSync(path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, content);
    result.written.push(shown);
    if (existed) result.replaced.push(shown);
  }
  for (const file of result.written)
    options.io.out(`${result.replaced.includes(file) ? 'updated' : 'created'} ${file}`);
  for (const file of result.kept) options.io.out(`kept ${file} (exists; --force overwrites)`);
  if (options.claude && !findExecutable('milestone', { pathEnv: process.env.PATH, cwd: options.cwd })) {
    // The slash commands and .mcp.json call `milestone` by name: say how to put it on PATH.
    const checkout = fileURLToPath(new URL('../../..', import.meta.url));
    options.io.err(
      `note: \`milestone\` is not on PATH, and the Claude Code files call it by that name: run \`npm link\` in ${checkout} (or install that checkout globally)`,
    );
  }
  if (
    (await gitExec(workspace.worktree, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowExitCodes: [1] }))
      .exitCode !== 0
  )
    options.io.err(
      'note: this repository has no commit yet, and a milestone branches from one: make it first, e.g. `git commit --allow-empty -m "Initial commit"`',
    );
  options.io.out(
    'next: write plan.yaml (one to start from: `milestone plan --help`), then\n' +
      '      milestone validate plan.yaml && milestone plan --from plan.yaml\n' +
      '  or: milestone plan "<title>"   (claude, codex or gemini writes the plan)' +
      (options.claude ? '\n  or, in Claude Code: /milestone:plan <title>' : ''),
  );
  return result;
}

/**
 * `.mcp.json` with the milestone server added; null when it is already there (or unreadable).
 * With `force` an existing milestone entry (e.g. an older `npx milestone mcp`) is replaced.
 */
function mergeMcpConfig(path: string, template: string, force: boolean): string | null {
  try {
    const current = JSON.parse(readFileSync(path, 'utf8')) as { mcpServers?: Record<string, unknown> };
    if (current.mcpServers?.milestone && !force) return null;
    const ours = (JSON.parse(template) as { mcpServers: Record<string, unknown> }).mcpServers;
    return `${JSON.stringify({ ...current, mcpServers: { ...current.mcpServers, ...ours } }, null, 2)}\n`;
  } catch {
    return null;
  }
}
