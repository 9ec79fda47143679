import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { milestoneAsync } from '../helpers/async-cli.js';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

describe('visualize --format svg', () => {
  it('draws the graph with status colours and the timeline with one lane per agent slot', async () => {
    const repo = await milestoneRepo();
    // Two parallel tasks that each wait for the other to start: they must overlap in time.
    const mark = (me: string, other: string) =>
      `touch ${repo.stateHome}/${me}; while [ ! -f ${repo.stateHome}/${other} ]; do sleep 0.05; done; echo ${me} > ${me}.txt`;
    writeFiles(repo.root, {
      'plan.yaml': stringify({
        version: 1,
        milestone: 'Pictures & <graphs>',
        id: 'pictures',
        tasks: [
          { id: 'shape', title: 'Shape', phase: 'design', run: 'echo s > shape.md' },
          { id: 'left', title: 'Left', run: mark('left', 'right') },
          { id: 'right', title: 'Right', run: mark('right', 'left') },
          { id: 'join', title: 'Join', run: 'echo j > join.txt', needs: ['left', 'right'] },
        ],
      }),
    });
    expect((await milestoneAsync(repo.root, ['plan', '--from', 'plan.yaml'], repo.env)).code).toBe(0);
    const run = await milestoneAsync(
      repo.root,
      ['execute', 'pictures', '--mode', 'agents', '--concurrency', '2'],
      repo.env,
    );
    expect(run.code, run.stderr).toBe(0);
    const result = await milestoneAsync(repo.root, ['visualize', 'pictures', '--format', 'svg'], repo.env);
    expect(result.code, result.stderr).toBe(0);
    const svg = result.stdout;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Pictures &amp; &lt;graphs&gt; (pictures): completed');
    for (const id of ['shape', 'left', 'right', 'join'])
      expect(svg).toContain(`data-task="${id}" data-status="succeeded"`);
    // Two edges into join, and the overlapping attempts in two slots.
    expect(svg.match(/marker-end="url\(#arrow\)"/g)).toHaveLength(2);
    expect(svg).toContain('>slot 1<');
    expect(svg).toContain('>slot 2<');
    expect(svg).not.toContain('>slot 3<');
    expect(svg.match(/class="attempt"/g)).toHaveLength(4);
    if (process.env.MILESTONE_SCREENSHOTS)
      writeFileSync(resolve(import.meta.dirname, '../../docs/visualize.svg'), svg);

    const missing = chromiumMissing();
    if (missing) {
      console.warn(`svg well-formedness check skipped: ${missing}`);
      return;
    }
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      // Opened as an SVG document, chromium's XML parser shows a <parsererror> for broken markup.
      await page.goto(`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`);
      const problems = await page.locator('parsererror').count();
      expect(await page.locator('g.attempt').count()).toBe(4);
      expect(problems).toBe(0);
    } finally {
      await browser.close();
    }
  });
});
