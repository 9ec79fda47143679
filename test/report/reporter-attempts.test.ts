import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/core/events.js';
import { textReporter } from '../../src/report/reporter.js';

const running = (attempt: number | undefined, taskId = 'a'): StoredEvent => ({
  type: 'task_status',
  taskId,
  status: 'running',
  ...(attempt !== undefined && { attempt }),
  agent: 'shell',
  seq: attempt ?? 0,
  milestoneId: 'm',
  at: '2026-01-01T00:00:00.000Z',
});

describe('text reporter', () => {
  it("numbers attempts as the task does (status, metrics, attempt-N.log); a resumed run's first says what came before", () => {
    const lines: string[] = [];
    const reporter = textReporter((line) => lines.push(line));
    reporter.onEvent?.(running(3));
    reporter.onEvent?.(running(4));
    reporter.onEvent?.(running(2, 'b'));
    expect(lines).toEqual([
      '> a started (attempt 3, shell; attempts 1-2 before this run)',
      '> a started (attempt 4, shell)',
      '> b started (attempt 2, shell; attempt 1 before this run)',
    ]);
    const fresh: string[] = [];
    const again = textReporter((line) => fresh.push(line));
    again.onEvent?.(running(1));
    again.onEvent?.(running(2));
    expect(fresh).toEqual(['> a started (attempt 1, shell)', '> a started (attempt 2, shell)']);
  });

  it('counts the starts it saw where an event carries no number', () => {
    const lines: string[] = [];
    const reporter = textReporter((line) => lines.push(line));
    reporter.onEvent?.(running(undefined));
    reporter.onEvent?.(running(undefined));
    expect(lines).toEqual(['> a started (attempt 1, shell)', '> a started (attempt 2, shell)']);
  });
});
