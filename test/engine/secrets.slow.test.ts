import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { attemptLogPath } from '../../src/engine/naming.js';
import { fakeEnv, useFakeAgentsOnPath } from '../agents/fake-agents.js';
import { type AsyncRepo, asyncRepo } from '../helpers/async-cli.js';
import { CLI, GIT_ENV, writeFiles } from '../helpers/git-repo.js';

useFakeAgentsOnPath();

const ECHO_AGENT = resolve(import.meta.dirname, '../fixtures/agents/echo-agent.mjs');

/** Secret only by its variable's name (FAKE_SECRET_TOKEN): no known token shape. */
const ENV_SECRET = 'zq8Envsecret-VALUE-4242';
/** Secret only because config `secrets.names` lists DEPLOY_PHRASE. */
const PHRASE = 'correct-horse-battery-staple';
/** Secrets only by their shape: printed literally, set in no variable. */
const SHAPES = [
  'sk-ant-api03-Q1w2E3r4T5y6U7i8O9p0AsDfGhJkLz',
  'ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc',
  'github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
  'AKIAIOSFODNN7EXAMPLE',
  'xoxb-123456789012-abcdefABCDEF',
];
const ALL = [ENV_SECRET, PHRASE, ...SHAPES];
/**
 * Written literally into the plan's verify command. The plan records keep it (it is the
 * user's own text, which milestone must run); every echo of the command masks it.
 */
const PLAN_TOKEN = 'ghp_Pl4nTokenPl4nTokenPl4nTokenPl4nToken';
/** Sinks that hold the plan itself: `show`, the plan records, the store's copy of the plan. */
const PLAN_SINK = /^show |milestone_show|plan\.json$|milestone\.yaml$|plan\.yaml$|store\.db(-wal)?$/;
const MARK = '[redacted]';
const TASKS = ['by-shell', 'by-exec', 'by-claude', 'by-codex', 'by-gemini', 'bad-verify'];

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Every secret that occurs in `text`, for a readable failure. */
function leaks(sink: string, text: string): string[] {
  const secrets = PLAN_SINK.test(sink) ? ALL : [...ALL, PLAN_TOKEN];
  return secrets.filter((secret) => text.includes(secret));
}

/** Every regular file below `dir`, as bytes read as latin1 (SQLite pages included). */
function filesBelow(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) out.push(...filesBelow(path));
    else if (stat?.isFile()) out.push({ path, text: readFileSync(path, 'latin1') });
  }
  return out;
}

/** A webhook receiver on 127.0.0.1 keeping the bodies it got. */
async function receiver() {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      bodies.push(data);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

/** Starts a long-running CLI command; resolves with the first match of `pattern` on stderr/stdout. */
async function startCli(repo: AsyncRepo, args: string[], env: Record<string, string>, pattern: RegExp) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: repo.root,
    env: { ...process.env, ...GIT_ENV, ...repo.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  closers.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
  let seen = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const look = (chunk: Buffer) => {
      seen += chunk;
      const found = seen.match(pattern);
      if (found) resolve(found);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', () => reject(new Error(`milestone ${args[0]} exited: ${seen}`)));
  });
  return { child, match };
}

/** Asks `milestone mcp` for one tool call and returns the reply's text. */
async function mcpCall(
  repo: AsyncRepo,
  env: Record<string, string>,
  name: string,
  args: Record<string, unknown>,
) {
  const child = spawn(process.execPath, [CLI, 'mcp'], {
    cwd: repo.root,
    env: { ...process.env, ...GIT_ENV, ...repo.env, ...env },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const replies = new Map<number, (line: string) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    replies.get((JSON.parse(line) as { id: number }).id)?.(line);
  });
  const request = (id: number, method: string, params: Record<string, unknown>) =>
    new Promise<string>((resolve) => {
      replies.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  await request(1, 'initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'test', version: '1' },
  });
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  const reply = await request(2, 'tools/call', { name, arguments: args });
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin.end();
  await exited;
  return reply;
}

describe('secrets are never written', () => {
  it('no sink holds a secret printed by shell, exec, claude, codex or gemini, or quoted by a verify command', async () => {
    const hook = await receiver();
    const repo = await asyncRepo({
      '.milestones/config.yaml': stringify({
        agents: { echo: { type: 'exec', command: [process.execPath, ECHO_AGENT] } },
        secrets: { names: ['DEPLOY_PHRASE'] },
        notify: { webhook: hook.url, desktop: false, bell: false },
      }),
    });
    const env = {
      ...fakeEnv('leak'),
      FAKE_SECRET_TOKEN: ENV_SECRET,
      DEPLOY_PHRASE: PHRASE,
      // Not a secret-looking name: only the shapes of its words mark them.
      DATA_BLOB: SHAPES.join(' '),
    };
    // The shell task prints the variable cut across two writes, the way a slow tool does.
    const shellRun = [
      'printf "token: %s" "$(printf %s "$FAKE_SECRET_TOKEN" | cut -c1-8)"',
      'sleep 0.2',
      'printf "%s\\n" "$(printf %s "$FAKE_SECRET_TOKEN" | cut -c9-)"',
      'echo "phrase $DEPLOY_PHRASE"',
      'echo "keys $DATA_BLOB" >&2',
    ].join('; ');
    writeFiles(repo.root, {
      'plan.yaml': stringify({
        version: 1,
        milestone: 'Leaky tools',
        id: 'leaky',
        defaults: { retries: 0 },
        tasks: [
          { id: 'by-shell', title: 'Shell', run: shellRun, agent: 'shell' },
          { id: 'by-exec', title: 'Exec', prompt: 'mode:leak', agent: 'echo' },
          { id: 'by-claude', title: 'Claude', prompt: 'Say hello', agent: 'claude' },
          { id: 'by-codex', title: 'Codex', prompt: 'Say hello', agent: 'codex' },
          { id: 'by-gemini', title: 'Gemini', prompt: 'Say hello', agent: 'gemini' },
          // The plan's own command quotes a token: the failure reason echoes it.
          {
            id: 'bad-verify',
            title: 'Verify',
            run: 'true',
            agent: 'shell',
            verify: `test "${PLAN_TOKEN}" = no`,
          },
        ],
      }),
    });
    const planned = await repo.run(['plan', '--from', 'plan.yaml'], { env });
    expect(planned.code, planned.stderr).toBe(0);

    const executed = await repo.run(['execute', 'leaky', '--mode', 'agents', '--json'], { env });
    // bad-verify fails on purpose; every other task succeeds.
    expect(executed.code, executed.stderr).toBe(1);
    const status = await repo.status('leaky');
    expect(Object.fromEntries(status.tasks.map((t) => [t.id, t.status]))).toEqual({
      'by-shell': 'succeeded',
      'by-exec': 'succeeded',
      'by-claude': 'succeeded',
      'by-codex': 'succeeded',
      'by-gemini': 'succeeded',
      'bad-verify': 'failed',
    });

    const sinks: Record<string, string> = {};
    // NDJSON events and the plain reporter of `execute`.
    sinks['execute --json'] = executed.stdout;
    sinks['execute stderr'] = executed.stderr;
    for (const args of [
      ['status', 'leaky', '--json'],
      ['status', 'leaky'],
      ['show', 'leaky', '--json'],
      ['show', 'leaky'],
      ['metrics', 'leaky', '--json'],
      ['metrics', 'leaky'],
      ['report', 'leaky', '--format', 'md'],
      ['report', 'leaky', '--format', 'html'],
    ]) {
      const result = await repo.run(args, { env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      sinks[args.join(' ')] = result.stdout + result.stderr;
    }
    sinks['mcp milestone_status'] = await mcpCall(repo, env, 'milestone_status', { id: 'leaky' });
    sinks['mcp milestone_show'] = await mcpCall(repo, env, 'milestone_show', { id: 'leaky' });

    const { match } = await startCli(
      repo,
      ['ui', '--port', '0'],
      env,
      /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/,
    );
    const base = match[1]!;
    sinks['dashboard list'] = await (await fetch(`${base}api/milestones`)).text();
    sinks['dashboard milestone'] = await (await fetch(`${base}api/milestones/leaky`)).text();
    for (const task of TASKS) {
      sinks[`dashboard log ${task}`] = await (
        await fetch(`${base}api/milestones/leaky/tasks/${task}/log`)
      ).text();
    }
    sinks.webhook = hook.bodies.join('\n');
    expect(hook.bodies.length).toBeGreaterThan(0);

    // Every file milestone wrote: attempt logs, the SQLite store and its WAL, plan records, slots.
    for (const dir of [join(repo.root, '.milestones'), join(repo.env.XDG_STATE_HOME!, 'milestone')]) {
      for (const file of filesBelow(dir)) sinks[file.path] = file.text;
    }
    const leaked = Object.entries(sinks)
      .map(([sink, text]) => ({ sink, secrets: leaks(sink, text) }))
      .filter((l) => l.secrets.length > 0);
    expect(leaked).toEqual([]);

    // The secrets were printed and masked, not lost: each task's log shows the marker.
    const storeDir = join(repo.root, '.milestones', '.local');
    for (const task of TASKS.filter((t) => t !== 'bad-verify')) {
      const log = readFileSync(attemptLogPath(storeDir, 'leaky', task, 1), 'utf8');
      expect(log, task).toContain(MARK);
    }
    const shellLog = readFileSync(attemptLogPath(storeDir, 'leaky', 'by-shell', 1), 'utf8');
    expect(shellLog).toContain(`token: ${MARK}`);
    expect(shellLog).toContain(`phrase ${MARK}`);
    expect(shellLog).toContain(`keys ${SHAPES.map(() => MARK).join(' ')}`);
    // Each agent's own words reach the event stream, with the marker where the secret was.
    const progress = executed.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; taskId?: string; message?: string })
      .filter((e) => e.message?.includes(MARK))
      .map((e) => e.taskId);
    for (const task of ['by-shell', 'by-exec', 'by-claude', 'by-codex', 'by-gemini']) {
      expect(progress, task).toContain(task);
    }
    expect(sinks['execute stderr']).toContain(`verify \`test "${MARK}" = no\``);
  });
});
