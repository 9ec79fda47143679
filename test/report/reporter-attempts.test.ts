import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/core/events.js';
import { textReporter } from '../../src/report/reporter.js';

const running = (attempt: number): StoredEvent => ({
  type: 'task_status',
  taskId: 'a',
  status: 'running',
  attempt,
  agent: 'shell',
  seq: attempt,
  milestoneId: 'm',
  at: '2026-01-01T00:00:00.000Z',
});

describe('text reporter', () => {
  it('numbers attempts within the run: a resumed run starts at 1 and says the overall number', () => {
    const lines: string[] = [];
    const reporter = textReporter((line) => lines.push(line));
    reporter.onEvent?.(running(3));
    reporter.onEvent?.(running(4));
    expect(lines).toEqual([
      '> a started (attempt 1, 3 overall, shell)',
      '> a started (attempt 2, 4 overall, shell)',
    ]);
    const fresh: string[] = [];
    textReporter((line) => fresh.push(line)).onEvent?.(running(1));
    expect(fresh).toEqual(['> a started (attempt 1, shell)']);
  });
});
