import { describe, expect, it } from 'vitest';
import { formatSpan, formatSpanMs, parseDuration, plural } from '../../src/core/duration.js';
import { formatElapsed } from '../../src/report/metrics-text.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

describe('one way to show time (item 10)', () => {
  it('shows at most two units of hours, minutes and seconds, never days', () => {
    expect(formatSpanMs(400)).toBe('0.4s');
    expect(formatSpanMs(12_300)).toBe('12s');
    expect(formatSpanMs(245_000)).toBe('4m 5s');
    expect(formatSpan(90)).toBe('1h 30m');
    expect(formatSpan(parseDuration('1d')!)).toBe('8h');
    expect(formatSpan(356_850)).toBe('5947h 30m');
    expect(formatSpanMs(4_320_000_000)).toBe('1200h');
    // metrics uses the same format
    expect(formatElapsed(245_000)).toBe('4m 5s');
    expect(formatElapsed(null)).toBe('-');
  });

  it('gets singular and plural right', () => {
    expect(plural(1, 'task')).toBe('1 task');
    expect(plural(2, 'task')).toBe('2 tasks');
    expect(plural(0, 'retry', 'retries')).toBe('0 retries');
  });

  it('plan prints one format, no ±0m, and says which weights progress uses', async () => {
    const repo = await milestoneRepo();
    const result = await repo.plan({
      version: 1,
      milestone: 'Long one',
      id: 'long',
      tasks: [{ id: 'a', title: 'A', run: 'true', estimate: '15w' }],
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('planned long: Long one (1 task, from milestone-yaml)');
    expect(result.stdout).toContain('critical path:  600h of 600h total work: a');
    expect(result.stdout).toContain('estimates:  600h of work, critical path 600h');
    expect(result.stdout).not.toMatch(/±0m|\d+d\b|\d{4,}m\b|\(s\)/);
    expect(result.stdout).toContain(
      "weights:    design 0.15, spec 0.25, task 0.2, execute 0.4 (the plan's; progress uses these)",
    );
  });
});
