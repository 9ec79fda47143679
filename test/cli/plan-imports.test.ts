import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsync } from '../helpers/async-cli.js';
import { CLI, gitRepo, tempDir } from '../helpers/git-repo.js';

const PRELOAD = resolve(import.meta.dirname, '../fixtures/module-log/preload.mjs');

/** The modules a whole `milestone` process loads, ES and CommonJS, as file paths or URLs. */
async function loadedModules(args: string[], cwd: string): Promise<string[]> {
  const log = join(tempDir('milestone-modules-'), 'modules.log');
  writeFileSync(log, '');
  // The planning analyses on their worker thread, whatever the machine's load.
  const result = await runAsync(process.execPath, ['--import', PRELOAD, CLI, ...args], {
    cwd,
    env: { MODULE_LOG: log, MILESTONE_PLAN_THREAD: 'on' },
  });
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

/**
 * `plan --from` of a one-task JSON plan (the analyses in this thread) with `--require` of a probe
 * made by `probe` from the quoted path of the JSON file it writes at exit; that file, parsed.
 */
async function probedPlan<T>(milestone: string, probe: (out: string) => string): Promise<T> {
  const repo = await gitRepo();
  writeFileSync(
    join(repo, 'plan.json'),
    JSON.stringify({
      version: 1,
      milestone,
      tasks: [{ id: 'a', title: 'A', run: 'true', files: ['src/a/**'], estimate: '1h' }],
    }),
  );
  const dir = tempDir('milestone-modules-');
  const file = join(dir, 'probe.cjs');
  const out = join(dir, 'probe.json');
  writeFileSync(file, `${probe(JSON.stringify(out))}\n`);
  const result = await runAsync(process.execPath, ['--require', file, CLI, 'plan', '--from', 'plan.json'], {
    cwd: repo,
    env: { MILESTONE_PLAN_THREAD: 'off' },
  });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

describe('plan --from of a JSON plan loads only what importing a plan needs', () => {
  it('neither zod, the YAML library, the engine, the agents nor the planner', async () => {
    const repo = await gitRepo();
    const plan = {
      version: 1,
      milestone: 'Imports',
      tasks: [
        { id: 'a', title: 'A', run: 'true', files: ['src/a/**'] },
        { id: 'b', title: 'B', run: 'true', needs: ['a'], files: ['src/a/b.ts'], estimate: '1h' },
      ],
    };
    writeFileSync(join(repo, 'plan.json'), JSON.stringify(plan));
    const modules = await loadedModules(['plan', '--from', 'plan.json'], repo);
    // The check sees modules at all: the plan command runs from its script, one file bundled
    // with its parser (scripts/bundle-reads.mjs) that code-cache.cjs compiles, so none of the
    // modules it bundles loads on its own, nor the ES module bundle of the same; and the planning
    // analyses' worker thread, one bundled file too.
    expect(modules.some((m) => m.endsWith('/dist/cli/code-cache.cjs'))).toBe(true);
    expect(modules.filter((m) => m.endsWith('/dist/cli/plan-command.js'))).toEqual([]);
    expect(modules.filter((m) => /\/dist\/(plan|planning|core|store)\//.test(m))).toEqual([
      expect.stringMatching(/\/dist\/planning\/analyses-worker\.js$/),
    ]);
    const heavy = modules.filter((m) =>
      /\/node_modules\/(zod|yaml)\/|\/dist\/(engine|agents|planner)\//.test(m),
    );
    expect(heavy).toEqual([]);
  });

  it("nor node's worker_threads, perf_hooks or WebCrypto (the analyses in this thread, the default)", async () => {
    // node's own list of the built-in modules the process loaded, written at exit.
    const loaded = await probedPlan<string[]>(
      'Builtins',
      (out) =>
        `process.on('exit', () => require('node:fs').writeFileSync(${out}, JSON.stringify(process.moduleLoadList)));`,
    );
    // The check sees built-ins at all: the plan hash needs node:crypto, git node:child_process,
    // the plan script node:vm (its code cache).
    expect(loaded).toContain('NativeModule crypto');
    expect(loaded).toContain('NativeModule child_process');
    expect(loaded).toContain('NativeModule vm');
    const unneeded = loaded.filter((m) =>
      /^NativeModule (worker_threads|perf_hooks|internal\/crypto\/webcrypto)$/.test(m),
    );
    expect(unneeded).toEqual([]);
  });

  it("loads no node module after it raises V8's interrupt budget (node's code cache of its modules then no longer fits)", async () => {
    // Where node's list of loaded built-ins stood when quick-plan.ts changed V8's flags.
    const { at, after } = await probedPlan<{ at: number; after: string[] }>('Budget', (out) =>
      [
        "const v8 = require('node:v8');",
        'const set = v8.setFlagsFromString;',
        'let at = -1;',
        'v8.setFlagsFromString = function (flags) { if (at < 0) at = process.moduleLoadList.length; return set.call(this, flags); };',
        `process.on('exit', () => require('node:fs').writeFileSync(${out}, JSON.stringify({ at, after: process.moduleLoadList.slice(Math.max(at, 0)) })));`,
      ].join('\n'),
    );
    expect(at).toBeGreaterThan(0);
    // Bindings (C++) have no code cache; JavaScript modules do.
    expect(after.filter((m) => m.startsWith('NativeModule '))).toEqual([]);
  });

  it('a YAML plan loads the YAML library, and a malformed one zod to word its problems', async () => {
    const repo = await gitRepo();
    writeFileSync(
      join(repo, 'plan.yaml'),
      'version: 1\nmilestone: Y\ntasks:\n  - id: a\n    title: A\n    run: "true"\n',
    );
    const modules = await loadedModules(['plan', '--from', 'plan.yaml'], repo);
    expect(modules.some((m) => m.includes('/node_modules/yaml/'))).toBe(true);
    writeFileSync(
      join(repo, 'bad.json'),
      JSON.stringify({ version: 1, milestone: 'B', tasks: [{ id: 'a' }] }),
    );
    const log = join(tempDir('milestone-modules-'), 'modules.log');
    writeFileSync(log, '');
    const bad = await runAsync(process.execPath, ['--import', PRELOAD, CLI, 'plan', '--from', 'bad.json'], {
      cwd: repo,
      env: { MODULE_LOG: log },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a task needs a `title`');
    expect(readFileSync(log, 'utf8')).toContain('/node_modules/zod/');
  });
});
