#!/usr/bin/env node
// Installs the pinned agent CLIs into a cache folder outside the repository (they are about
// 1 GB together, so they stay out of `npm ci`): one `npm install --prefix` folder per CLI and
// version, reused while it has the program. Prints the bin folders as JSON.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The versions the captures were made with (../fixtures/agents/captures). */
export const PINNED = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.332', bin: 'claude' },
  codex: { pkg: '@openai/codex', version: '0.171.0', bin: 'codex' },
  gemini: { pkg: '@google/gemini-cli', version: '0.61.0', bin: 'gemini' },
};

export function cacheRoot(env = process.env) {
  return (
    env.MILESTONE_AGENTS_CACHE ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'milestone', 'agents-real')
  );
}

/** Installs what is missing; returns { claude: binDir, ... } for the CLIs that are installed. */
export function installClis(names = Object.keys(PINNED), log = (m) => process.stderr.write(`${m}\n`)) {
  const bins = {};
  for (const name of names) {
    const { pkg, version, bin } = PINNED[name];
    const prefix = join(cacheRoot(), `${name}-${version}`);
    const binDir = join(prefix, 'node_modules', '.bin');
    if (!existsSync(join(binDir, bin))) {
      mkdirSync(prefix, { recursive: true });
      log(`installing ${pkg}@${version} into ${prefix}`);
      execFileSync(
        'npm',
        ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `${pkg}@${version}`],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
    }
    bins[name] = binDir;
  }
  return bins;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    JSON.stringify(installClis(process.argv.slice(2).length ? process.argv.slice(2) : undefined), null, 2),
  );
}
