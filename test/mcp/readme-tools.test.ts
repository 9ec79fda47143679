import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputJsonSchema } from '../../src/mcp/tool.js';
import { MCP_TOOLS } from '../../src/mcp/tools.js';

// The README's table of MCP tools is what a user configuring a client reads: each tool it names
// must exist with exactly the arguments it lists, `name?` for an optional one.

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe("the README's MCP tools table", () => {
  it('names every tool with its arguments and which are optional', () => {
    const section = README.slice(README.indexOf('### Driving milestone from an agent (MCP)'));
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('| `milestone_'))
      .map((line) => line.split(' | '));
    const documented = Object.fromEntries(
      rows.map(([name, args]) => [
        /`(milestone_[a-z]+)`/.exec(name!)![1]!,
        // Each argument is the first backticked word of a comma-separated part: `phase`,
        // `decision` (`approve`, ...): the values in parentheses are not arguments.
        (args ?? '')
          .split(/,(?![^(]*\))/)
          .map((part) => /`([a-zA-Z]+\??)`/.exec(part)?.[1])
          .filter((arg): arg is string => arg !== undefined)
          .sort(),
      ]),
    );
    const actual = Object.fromEntries(
      MCP_TOOLS.map((tool) => {
        const schema = inputJsonSchema(tool) as { properties?: object; required?: string[] };
        const required = new Set(schema.required ?? []);
        const args = Object.keys(schema.properties ?? {}).map((arg) => (required.has(arg) ? arg : `${arg}?`));
        return [tool.name, args.sort()];
      }),
    );
    expect(documented).toEqual(actual);
  });
});
