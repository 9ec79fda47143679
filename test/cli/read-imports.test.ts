import { describe, expect, it } from 'vitest';
import { staticImports } from './static-imports.js';

const HEAVY = /^src\/(engine|agents|planner|planning|notify|ui|mcp)\//;

describe('a read never loads the engine, agents or planners', () => {
  it.each(['src/cli/program.ts', 'src/cli/commands/status.ts', 'src/cli/commands/list.ts'])(
    '%s loads neither the engine, agents, planners nor the YAML, schema and glob libraries',
    (entry) => {
      const { files, packages } = staticImports(entry);
      expect([...files].filter((file) => HEAVY.test(file) && file !== 'src/engine/naming.ts')).toEqual([]);
      expect(
        [...packages].filter((name) => ['zod', 'yaml', 'log-update', 'picomatch'].includes(name)),
      ).toEqual([]);
    },
  );

  it('show loads the plan analysis it prints, not the engine or the agents', () => {
    const { files } = staticImports('src/cli/commands/show.ts');
    expect(
      [...files].filter(
        (file) => /^src\/(engine|agents|planner)\//.test(file) && file !== 'src/engine/naming.ts',
      ),
    ).toEqual([]);
  });
});
