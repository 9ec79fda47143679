import { readFileSync } from 'node:fs';

/**
 * The version in package.json, the one place it is written: `--version`, the commander program
 * and the MCP server's info all read it here. `../../package.json` is the package root from both
 * `src/cli/` and `dist/cli/`.
 */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
