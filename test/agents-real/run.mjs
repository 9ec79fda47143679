#!/usr/bin/env node
// `npm run test:agents-real`: real `milestone execute` runs through the real Claude Code, Codex
// CLI and Gemini CLI (pinned versions, installed into a cache folder outside the repository by
// install-clis.mjs), each pointed at a scripted model server on 127.0.0.1 (model-server.mjs):
// no key, no network, only the model is fake. Not part of `npm test`. Usage:
//   npm run test:agents-real [-- claude codex gemini] [-- --only success,auth]
// Prints one line per run and a summary; exits 1 if any run did not behave as expected.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installClis, PINNED } from './install-clis.mjs';
import { releaseResume, startModelServers } from './model-server.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex === -1 ? null : new Set(args[onlyIndex + 1].split(','));
const agents = args.filter((a, i) => !a.startsWith('--') && i !== onlyIndex + 1);
const AGENTS = agents.length ? agents : ['claude', 'codex', 'gemini'];

function run(file, argv, options) {
  return new Promise((resolvePromise) => {
    const child = spawn(file, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = options.timeoutMs
      ? setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGINT');
          } catch {}
        }, options.timeoutMs)
      : null;
    options.onChild?.(child);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Temporary folders of the runs: removed at the end unless a run failed (kept to inspect). */
const created = [];

const git = (cwd, ...a) => run('git', a, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });

async function repoFor(agent, scenario, urls) {
  const root = mkdtempSync(join(tmpdir(), `ms-real-${agent}-${scenario}-`));
  created.push(root);
  const repo = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(repo);
  mkdirSync(home);
  await git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  await git(repo, '-c', 'user.email=t@e', '-c', 'user.name=t', 'add', '-A');
  await git(repo, '-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', 'init');
  const base = (provider) => `${urls[provider]}/s/${scenario}`;
  const config =
    agent === 'codex'
      ? `agents:\n  codex:\n    type: codex\n    extraArgs: ["-c", 'openai_base_url="${base('openai')}/v1"']\n`
      : '';
  // Gemini CLI picks its auth method from settings; the key itself comes from GEMINI_API_KEY.
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(
    join(home, '.gemini', 'settings.json'),
    JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
  );
  mkdirSync(join(repo, '.milestones'), { recursive: true });
  if (config) writeFileSync(join(repo, '.milestones/config.yaml'), config);
  writeFileSync(
    join(repo, 'plan.yaml'),
    [
      'version: 1',
      `milestone: Real ${agent} ${scenario}`,
      'id: real',
      `defaults: { agent: ${agent}, retries: 0, timeout: ${scenario === 'ratelimit' && agent === 'gemini' ? '45s' : '150s'} }`,
      'tasks:',
      '  - id: greet',
      '    title: Write hello.txt',
      '    prompt: Create hello.txt containing a greeting.',
      '',
    ].join('\n'),
  );
  const env = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    XDG_STATE_HOME: join(root, 'state'),
    TERM: 'dumb',
    NO_COLOR: '1',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@e',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@e',
    ANTHROPIC_BASE_URL: base('anthropic'),
    ANTHROPIC_API_KEY: 'sk-ant-stub',
    CLAUDE_CODE_MAX_RETRIES: scenario === 'auth' ? '10' : '1',
    DISABLE_AUTOUPDATER: '1',
    OPENAI_API_KEY: 'sk-stub',
    GOOGLE_GEMINI_BASE_URL: base('gemini'),
    GEMINI_API_KEY: 'stub-key',
  };
  return { root, repo, env };
}

async function milestone(ctx, argv, extra = {}) {
  return run(process.execPath, [CLI, ...argv], { cwd: ctx.repo, env: ctx.env, ...extra });
}

async function status(ctx) {
  const r = await milestone(ctx, ['status', 'real', '--json']);
  try {
    return JSON.parse(r.stdout);
  } catch {
    return null;
  }
}

function logsOf(ctx) {
  const dir = join(ctx.repo, '.milestones/.local/logs/real/greet');
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** Each scenario: what it runs and what counts as the expected behaviour. */
const SCENARIOS = {
  success: { agents: ['claude', 'codex', 'gemini'] },
  auth: { agents: ['claude', 'codex', 'gemini'] },
  ratelimit: { agents: ['claude', 'codex', 'gemini'] },
  'usage-limit': { agents: ['claude'] },
  sandbox: { agents: ['claude', 'gemini'] },
  resume: { agents: ['claude', 'codex', 'gemini'] },
};

async function scenario(agent, name, urls, bins) {
  const ctx = await repoFor(agent, name, urls);
  ctx.env.PATH = `${bins[agent]}:${ctx.env.PATH}`;
  const planned = await milestone(ctx, ['plan', '--from', 'plan.yaml']);
  if (planned.code !== 0) return { ok: false, detail: `plan failed: ${planned.stderr.trim()}` };
  const started = Date.now();
  if (name === 'resume') return resumeScenario(ctx);
  const execArgs = [
    'execute',
    'real',
    '--mode',
    'agents',
    ...(name === 'usage-limit' ? ['--max-wait', '2m'] : []),
  ];
  const exec = await milestone(ctx, execArgs, { timeoutMs: 240_000 });
  const seconds = Math.round((Date.now() - started) / 1000);
  const st = await status(ctx);
  const task = st?.tasks?.[0];
  const reason = task?.reason ?? '';
  const head = (await git(ctx.repo, 'branch', '--list')).stdout;
  switch (name) {
    case 'success': {
      const ok = exec.code === 0 && task?.status === 'succeeded' && task?.merged;
      return {
        ok,
        detail: `exit ${exec.code}, task ${task?.status}, ${seconds}s, tokens ${task?.usage?.inputTokens}/${task?.usage?.outputTokens}${ok ? '' : `; ${exec.stderr.trim().split('\n').slice(-3).join(' | ')}`}`,
      };
    }
    case 'auth': {
      const ok = exec.code === 1 && reason.startsWith('authentication:') && task?.attempts === 1;
      return { ok, detail: `exit ${exec.code}, ${seconds}s, ${reason.slice(0, 160)}` };
    }
    case 'ratelimit': {
      const ok = exec.code === 1 && /rate limited|timed out/.test(reason);
      return { ok, detail: `exit ${exec.code}, ${seconds}s, ${reason.slice(0, 160)}` };
    }
    case 'usage-limit': {
      const log = logsOf(ctx);
      const parked = log.includes('usage limit reached|');
      const resumed = /--resume=/.test(log);
      const ok = exec.code === 0 && task?.status === 'succeeded' && task?.attempts === 2 && parked && resumed;
      return {
        ok,
        detail: `exit ${exec.code}, ${seconds}s, attempts ${task?.attempts}, ${parked ? 'parked until the reset the CLI relayed' : 'not parked'}, ${resumed ? 'resumed its session' : 'no resume'}${ok ? '' : `; ${reason.slice(0, 200)}`}`,
      };
    }
    case 'sandbox': {
      const stray = /worktree-sneaky|\bstray\b/.test(head);
      const log = logsOf(ctx);
      const refused =
        /No such tool available: EnterWorktree|EnterWorktree.*(not available|disabled)|tool_not_registered/.test(
          log,
        );
      const ok = !stray && (refused || /^sandbox:/.test(reason));
      const tool = agent === 'claude' ? 'EnterWorktree' : '`git branch stray` in the shell';
      return {
        ok,
        detail: `exit ${exec.code}, task ${task?.status}, ${tool} ${refused ? 'refused' : stray ? 'made a stray branch' : 'not seen'}${/^sandbox:/.test(reason) ? ', stray refs detected and the attempt failed' : ''}`,
      };
    }
  }
  return { ok: false, detail: 'unknown scenario' };
}

async function resumeScenario(ctx) {
  let child;
  const first = milestone(ctx, ['execute', 'real', '--mode', 'agents'], { onChild: (c) => (child = c) });
  let st = null;
  for (let i = 0; i < 600; i++) {
    st = await status(ctx);
    if (st?.tasks?.[0]?.sessionId) break;
    await sleep(200);
  }
  const sessionId = st?.tasks?.[0]?.sessionId;
  if (!sessionId) {
    process.kill(-child.pid, 'SIGINT');
    await first;
    return { ok: false, detail: 'no session id before the interruption' };
  }
  process.kill(-child.pid, 'SIGINT');
  const interrupted = await first;
  releaseResume();
  const again = await milestone(ctx, ['execute', 'real'], { timeoutMs: 240_000 });
  const log = logsOf(ctx);
  const resumed = new RegExp(`resume[= ]${sessionId}`).test(log);
  const fresh = log.includes('starting fresh');
  const task = (await status(ctx))?.tasks?.[0];
  const ok = interrupted.code === 130 && again.code === 0 && resumed && task?.status === 'succeeded';
  return {
    ok,
    detail: `interrupted exit ${interrupted.code}; next execute exit ${again.code}, ${resumed ? `resumed session ${sessionId}` : 'did not resume'}${fresh ? ' (the CLI did not know it: started fresh)' : ''}, task ${task?.status}`,
  };
}

const bins = installClis(AGENTS);
const versions = {};
for (const agent of AGENTS) {
  const v = await run(join(bins[agent], PINNED[agent].bin), ['--version'], {
    env: { ...process.env, HOME: tmpdir() },
  });
  versions[agent] = v.stdout.trim().split('\n').at(-1);
}
const requests = [];
const servers = await startModelServers((line) => requests.push(line));
const results = [];
try {
  for (const [name, spec] of Object.entries(SCENARIOS)) {
    if (only && !only.has(name)) continue;
    for (const agent of spec.agents.filter((a) => AGENTS.includes(a))) {
      const result = await scenario(agent, name, servers.urls, bins).catch((error) => ({
        ok: false,
        detail: String(error),
      }));
      results.push({ agent, version: versions[agent], scenario: name, ...result });
      console.log(`${result.ok ? 'PASS' : 'FAIL'}  ${agent} ${versions[agent]}  ${name}: ${result.detail}`);
    }
  }
} finally {
  await servers.close();
}
const failed = results.filter((r) => !r.ok);
console.log(
  `\n${results.length - failed.length} of ${results.length} runs behaved as expected (${requests.length} model requests served)`,
);
if (failed.length === 0) for (const root of created) rmSync(root, { recursive: true, force: true });
else console.log(`run folders kept for inspection:\n${created.join('\n')}`);
process.exitCode = failed.length ? 1 : 0;
