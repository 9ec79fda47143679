import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeFiles } from '../../src/claude/templates.js';
import type { Plan } from '../../src/core/types.js';
import { DEFAULT_DEFAULTS, DEFAULT_WEIGHTS } from '../../src/core/types.js';
import { renderGraph } from '../../src/report/graph-render.js';
import { runAsync } from '../helpers/async-cli.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

describe('smaller ones (item 11, part)', () => {
  it('show, visualize and review take an optional id like status', async () => {
    const repo = await milestoneRepo();
    const plan = {
      version: 1,
      milestone: 'Only one',
      id: 'only',
      tasks: [{ id: 'a', title: 'A', phase: 'design', run: 'true' }],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    expect((await repo.run(['show'])).stdout).toContain('only  Only one');
    expect((await repo.run(['visualize'])).stdout).toContain('== design ==');
    expect((await repo.run(['execute'])).code).toBe(0);
    const reviewed = await repo.run(['review', '--phase', 'design', '--approve']);
    expect(reviewed.code).toBe(0);
  });

  it('visualize marks failed and skipped tasks apart and prints a legend', async () => {
    const repo = await milestoneRepo();
    const plan = {
      version: 1,
      milestone: 'Marks',
      id: 'marks',
      defaults: { retries: 0 },
      tasks: [
        { id: 'ok', title: 'Fine', run: 'true' },
        { id: 'bad', title: 'Breaks', run: 'exit 3' },
        { id: 'after', title: 'Depends on it', run: 'true', needs: ['bad'] },
      ],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    expect((await repo.run(['execute', 'marks'])).code).toBe(1);
    const ascii = (await repo.run(['visualize', 'marks'])).stdout;
    expect(ascii).toContain('[x] ok');
    expect(ascii).toContain('[!] bad');
    expect(ascii).toContain('[-] after');
    expect(ascii).toContain('legend: [x] succeeded  [!] failed  [-] skipped');
    const mermaid = (await repo.run(['visualize', 'marks', '--format', 'mermaid'])).stdout;
    expect(mermaid).toContain('class t_bad st_failed');
    expect(mermaid).toContain('class t_after st_skipped');
    expect(mermaid).toContain('legend_failed["failed"]:::st_failed');
  });

  it('Mermaid output escapes quotes and never collides with keywords or phase names', () => {
    const plan: Plan = {
      version: 1,
      id: 'm',
      title: 'M',
      weights: DEFAULT_WEIGHTS,
      defaults: DEFAULT_DEFAULTS,
      tasks: [
        { id: 'design', title: 'Say "hi" <b>', phase: 'design', needs: [], files: [], run: 'x' },
        { id: 'end', title: 'End', phase: 'execute', needs: ['design'], files: [], run: 'x' },
        { id: 'subgraph', title: 'Sub', phase: 'execute', needs: ['end'], files: [], run: 'x' },
      ],
    };
    const text = renderGraph(plan, 'mermaid');
    expect(text).toContain('subgraph phase_design["design"]');
    expect(text).toContain('t_design["Say #quot;hi#quot; #lt;b#gt;"]');
    expect(text).toContain('t_design --> t_end');
    expect(text).toContain('t_end --> t_subgraph');
    // no node line starts with a bare keyword or a phase's subgraph id
    for (const line of text.split('\n').map((l) => l.trim())) {
      expect(line).not.toMatch(/^(end|subgraph|design)\[/);
      expect(line).not.toMatch(/^(end|subgraph|design) -->/);
    }
  });

  it('init --claude writes files that call the installed milestone binary, never npx', async () => {
    const repo = await milestoneRepo();
    expect((await repo.run(['init', '--claude'])).code).toBe(0);
    const mcp = JSON.parse(readFileSync(join(repo.root, '.mcp.json'), 'utf8'));
    expect(mcp.mcpServers.milestone).toEqual({ command: 'milestone', args: ['mcp'] });
    for (const path of Object.keys(claudeFiles())) {
      const text = readFileSync(join(repo.root, path), 'utf8');
      expect(text.replace('never `npx milestone`', '')).not.toContain('npx');
    }
  });

  it('the demo prints no ANSI codes when piped or with NO_COLOR', async () => {
    const demo = resolve(import.meta.dirname, '../../dist/demo/demo.js');
    const result = await runAsync(process.execPath, [demo], { cwd: process.cwd(), env: { NO_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('$ milestone execute stats');
    expect(result.stdout).not.toContain('\x1b[');
  });
});
