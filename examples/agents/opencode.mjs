#!/usr/bin/env node
// milestone `exec` agent wrapping OpenCode: `opencode run --format json <prompt>` in the task's
// worktree, its JSON events turned into milestone's exec protocol (docs/agents.md, "More agents").
//
// Config (.milestones/config.yaml):
//   agents: { opencode: { type: exec, command: [node, /path/to/milestone/examples/agents/opencode.mjs] } }
// (absolute: the agent starts in the task's worktree, where a relative argument is looked for)
//
// Headless `opencode run` approves every tool on its own, so the permissions are set here, per
// run, through OPENCODE_CONFIG_CONTENT: edits in the worktree, the task's verify command and
// nothing else in the shell, no web fetches, no paths outside the worktree; read-only runs get
// no edits and no shell. OPENCODE_BINARY overrides the program (default `opencode`).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

const bash = request.readOnly ? 'deny' : { '*': 'deny', ...(request.verify ? { [request.verify]: 'allow' } : {}) };
const permission = {
  edit: request.readOnly ? 'deny' : 'allow',
  bash,
  webfetch: 'deny',
  external_directory: 'deny',
};
const child = spawn(process.env.OPENCODE_BINARY ?? 'opencode', ['run', '--format', 'json', request.prompt ?? request.title], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, OPENCODE_CONFIG_CONTENT: JSON.stringify({ permission }) },
});
let stderr = '';
child.stderr.on('data', (chunk) => {
  stderr = (stderr + chunk).slice(-4000);
});

let session;
let text = '';
let error;
const num = (n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
for await (const line of createInterface({ input: child.stdout })) {
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    continue;
  }
  if (typeof event.sessionID === 'string' && event.sessionID !== session) {
    session = event.sessionID;
    emit({ type: 'session', sessionId: session });
  }
  const part = event.part ?? {};
  if (event.type === 'step_start') text = '';
  else if (event.type === 'text' && typeof part.text === 'string') text += part.text;
  else if (event.type === 'tool_use') {
    const input = part.state?.input ?? {};
    const target = input.filePath ?? input.command ?? input.pattern ?? '';
    emit({ type: 'progress', message: `tool ${part.tool ?? '?'} ${target}`.trim() });
    if (part.state?.status === 'error') emit({ type: 'progress', message: `tool error: ${part.state.error ?? ''}` });
  } else if (event.type === 'step_finish') {
    const t = part.tokens ?? {};
    // One usage line per step (milestone adds them up). Input counts cache reads and writes,
    // output counts reasoning: as milestone counts for every agent.
    emit({
      type: 'usage',
      inputTokens: num(t.input) + num(t.cache?.read) + num(t.cache?.write),
      outputTokens: num(t.output) + num(t.reasoning),
      costUsd: num(part.cost),
    });
  } else if (event.type === 'error') {
    error = event.error?.data?.message ?? event.error?.message ?? event.error?.name ?? 'error';
  }
}
const code = await new Promise((resolve) => child.on('close', resolve));
const lastErr = stderr.trim().split('\n').at(-1) ?? '';
const why = error ?? (code === 0 ? undefined : lastErr || `opencode exited with ${code}`);
const retryable = why === undefined ? false : !/api key|unauthori[sz]ed|\b401\b|not logged in|forbidden/i.test(why);
emit({
  type: 'result',
  ok: code === 0 && why === undefined,
  summary: text.trim().split('\n')[0] || why || 'done',
  output: text.trim(),
  ...(why === undefined ? {} : { error: why, retryable }),
});
process.exitCode = code === 0 && why === undefined ? 0 : 1;
