import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { milestoneAsync, UNTIL_LIMIT_MS } from '../helpers/async-cli.js';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { writeFiles } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

const missing = chromiumMissing();
const haveChromium = missing === null;
if (missing) console.warn(`dashboard browser tests skipped: ${missing}`);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves with the first match of `pattern` in what the child printed on stdout. */
function waitForOutput(
  child: ChildProcess & { output: () => { stdout: string; stderr: string } },
  pattern: RegExp,
) {
  return new Promise<RegExpMatchArray>((resolvePromise, reject) => {
    const check = () => {
      const match = child.output().stdout.match(pattern);
      if (match) {
        child.stdout?.off('data', check);
        resolvePromise(match);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', () =>
      reject(new Error(`exited before printing ${pattern}: ${child.output().stderr}`)),
    );
    check();
  });
}

/** The child's exit code, whether it already exited or not. */
async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe.skipIf(!haveChromium)('milestone ui in chromium', () => {
  it('shows statuses and the log tail change live, refuses actions without the token, survives coordinator restarts', async () => {
    const repo = await milestoneRepo({
      '.milestones/config.yaml': stringify({ phases: { design: { approval: 'required' } } }),
    });
    const gate = (n: number) => join(repo.stateHome, `gate-${n}`);
    const hold = (n: number) => `while [ ! -f ${gate(n)} ]; do sleep 0.05; done`;
    await repo.plan({
      version: 1,
      milestone: 'Dashboard demo',
      id: 'dash',
      tasks: [
        { id: 'sketch', title: 'Sketch the design', phase: 'design', run: 'echo sketch > sketch.md' },
        {
          id: 'build',
          title: 'Build it',
          // The words are assembled by the shell so the log's command line does not contain them.
          run: `A=one; B=two; echo "build step $A"; ${hold(1)}; echo "build step $B"; ${hold(2)}; echo built > built.txt`,
        },
        { id: 'docs', title: 'Write docs', run: 'echo docs > docs.md', needs: ['build'] },
      ],
    });
    writeFiles(repo.root, {
      'other.yaml': stringify({
        version: 1,
        milestone: 'Other work',
        id: 'other',
        tasks: [{ id: 'o1', title: 'O', run: 'echo o > o.txt' }],
      }),
    });
    expect((await milestoneAsync(repo.root, ['plan', '--from', 'other.yaml'], repo.env)).code).toBe(0);

    const server = repo.spawn(['ui', '--port', '0']);
    cleanups.push(async () => {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await once(server, 'exit');
      }
    });
    const [, url] = await waitForOutput(server, /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
    const [, token] = await waitForOutput(server, /token: ([0-9a-f]{48})/);

    // First coordinator: the design phase lands, then the review gate pauses the run.
    const first = await milestoneAsync(repo.root, ['execute', 'dash', '--mode', 'agents'], repo.env);
    expect(first.code, first.stderr).toBe(0);

    const browser: Browser = await launchChromium();
    cleanups.push(() => browser.close());
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    // Waits are on the page's content; the limit only names a hang (as `until` does).
    page.setDefaultTimeout(UNTIL_LIMIT_MS);
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await page.goto(`${url!}#m=dash`);
    await page.locator('#milestone-status', { hasText: 'paused' }).waitFor();
    expect(await page.locator('a[data-milestone]').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Dashboard demo'),
        expect.stringContaining('Other work'),
      ]),
    );
    await page.locator('#gates', { hasText: 'review design: in_review' }).waitFor();

    // Without the token the approval is refused, and nothing changes.
    await page.locator('button[data-approve="design"]').click();
    await page.locator('#action-result', { hasText: 'review refused (403)' }).waitFor();
    expect(await page.locator('#gates').textContent()).toContain('in_review');

    // With it, the gate opens; the page learns it from the store, without a reload.
    await page.locator('#token').fill(token!);
    await page.locator('button[data-approve="design"]').click();
    await page.locator('#gates', { hasText: 'review design: approved' }).waitFor();

    // Second coordinator, and another milestone running at the same time.
    const second = repo.spawn(['execute', 'dash', '--mode', 'agents']);
    const other = repo.spawn(['execute', 'other']);
    await page.locator('tr[data-task="build"][data-status="running"]').waitFor();
    await page.locator('#graph g[data-task="build"][data-status="running"]').waitFor();
    await page.locator('tr[data-task="build"]').click();
    await page.locator('#log', { hasText: 'build step one' }).waitFor();
    const before = (await page.locator('#log').textContent()) ?? '';
    expect(before).not.toContain('build step two');
    writeFiles(repo.stateHome, { 'gate-1': '' });
    await page.locator('#log', { hasText: 'build step two' }).waitFor();
    expect(((await page.locator('#log').textContent()) ?? '').length).toBeGreaterThan(before.length);

    writeFiles(repo.stateHome, { 'gate-2': '' });
    expect(await exited(second), second.output().stderr).toBe(0);
    expect(await exited(other), other.output().stderr).toBe(0);
    await page.locator('#milestone-status', { hasText: 'completed' }).waitFor();
    await page.locator('tr[data-task="docs"][data-status="succeeded"]').waitFor();
    await page.locator('a[data-milestone="other"]', { hasText: 'completed' }).waitFor();
    await page.locator('#timeline g.attempt[data-task="docs"]').waitFor();
    expect(navigations).toBe(1);

    // Retry needs the token too: refused without it (the API, as a script would call it).
    const refused = await fetch(`${url!}api/milestones/dash/retry`, { method: 'POST' });
    expect(refused.status).toBe(403);

    const shot = process.env.MILESTONE_SCREENSHOTS
      ? resolve(import.meta.dirname, '../../docs/dashboard.png')
      : join(repo.stateHome, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
  });

  it('refuses a non-loopback address without --allow-remote, and warns with it', async () => {
    const repo = await milestoneRepo();
    await repo.plan({ version: 1, milestone: 'M', id: 'm', tasks: [{ id: 'a', title: 'A', run: 'true' }] });
    const refused = await milestoneAsync(repo.root, ['ui', '--host', '0.0.0.0', '--port', '0'], repo.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to listen on 0.0.0.0');
    const allowed = repo.spawn(['ui', '--host', '0.0.0.0', '--port', '0', '--allow-remote']);
    cleanups.push(async () => {
      if (allowed.exitCode === null) {
        allowed.kill('SIGTERM');
        await once(allowed, 'exit');
      }
    });
    await waitForOutput(allowed, /dashboard: http:\/\/0\.0\.0\.0:\d+\//);
    expect(allowed.output().stderr).toContain('warning: listening on 0.0.0.0');
  });
});
