import { join } from 'node:path';
import type { AgentEvent, AgentRequest, AgentResult } from '../../src/agents/adapter.js';
import { tempDir } from '../helpers/git-repo.js';

/** A request for task `t1` of milestone `m1` in a fresh directory, with overrides. */
export function agentRequest(
  task: Partial<AgentRequest['task']> = {},
  overrides: Partial<AgentRequest> = {},
): AgentRequest {
  const worktree = tempDir('milestone-wt-');
  return {
    milestoneId: 'm1',
    task: { id: 't1', title: 'Task one', phase: 'execute', files: ['src/**'], ...task },
    worktree,
    attempt: 1,
    logFile: join(tempDir('milestone-logs-'), 't1', 'attempt-1.log'),
    // Far above any fake agent's run even on a busy machine: tests of the limit set their own.
    timeoutMs: 600_000,
    ...overrides,
  };
}

/** Every event of a run, checking the contract that `result` is last and comes once. */
export async function collect(
  events: AsyncIterable<AgentEvent>,
): Promise<{ events: AgentEvent[]; result: AgentResult }> {
  const all: AgentEvent[] = [];
  for await (const event of events) all.push(event);
  const results = all.filter((e) => e.type === 'result');
  const last = all.at(-1);
  if (results.length !== 1 || last?.type !== 'result')
    throw new Error(`expected exactly one result, last: ${JSON.stringify(all)}`);
  return { events: all, result: last.result };
}
