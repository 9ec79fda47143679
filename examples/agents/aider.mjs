#!/usr/bin/env node
// milestone `exec` agent wrapping Aider: `aider --message <prompt>` in the task's worktree. Aider
// prints no machine-readable stream, so the result is its exit code (milestone reads the work
// from git and the verify command, as for every agent); its lines become progress, and its
// "Tokens: 2.3k sent, 104 received. Cost: $0.0091 message, ..." lines become usage.
//
// Config (.milestones/config.yaml):
//   agents: { aider: { type: exec, command: [node, /path/to/milestone/examples/agents/aider.mjs] } }
// (absolute: the agent starts in the task's worktree, where a relative argument is looked for)
//
// Flags: --yes-always (headless), --no-auto-commits (milestone commits), --no-suggest-shell-commands
// (with --yes-always Aider would run the commands it suggests), --no-check-update, --no-pretty,
// --no-stream; read-only runs add --dry-run (nothing is written). AIDER_BINARY overrides the program.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

const args = [
  '--message',
  request.prompt ?? request.title,
  '--yes-always',
  '--no-auto-commits',
  '--no-suggest-shell-commands',
  '--no-check-update',
  '--no-pretty',
  '--no-stream',
  ...(request.readOnly ? ['--dry-run'] : []),
];
const child = spawn(process.env.AIDER_BINARY ?? 'aider', args, { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (chunk) => {
  stderr = (stderr + chunk).slice(-4000);
});

const tokens = (n, k) => Math.round(Number(n) * (k ? 1000 : 1));
let last = '';
for await (const raw of createInterface({ input: child.stdout })) {
  const line = raw.trim();
  if (line === '') continue;
  const spent = /^Tokens: ([\d.]+)(k?) sent,.*?([\d.]+)(k?) received\.(?: Cost: \$([\d.]+) message)?/.exec(line);
  if (spent) {
    // One usage line per message (milestone adds them up).
    emit({
      type: 'usage',
      inputTokens: tokens(spent[1], spent[2]),
      outputTokens: tokens(spent[3], spent[4]),
      costUsd: Number(spent[5] ?? 0),
    });
    continue;
  }
  last = line;
  emit({ type: 'progress', message: line.slice(0, 200) });
}
const code = await new Promise((resolve) => child.on('close', resolve));
const why = code === 0 ? undefined : stderr.trim().split('\n').at(-1) || `aider exited with ${code}`;
emit({
  type: 'result',
  ok: code === 0,
  summary: code === 0 ? last || 'done' : why,
  ...(why === undefined ? {} : { error: why, retryable: !/api key|unauthori[sz]ed|\b401\b/i.test(why) }),
});
process.exitCode = code === 0 ? 0 : 1;
