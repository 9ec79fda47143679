import { describe, expect, it } from 'vitest';
import { parseAttemptLog } from '../../src/report/packet-facts.js';

describe('parseAttemptLog', () => {
  it("takes the agent's result summary as its claim and what follows the end marker as verify output", () => {
    const log = [
      '--- milestone: exec agent bot, task t, attempt 2 ---',
      '{"type":"progress","message":"editing"}',
      '{"type":"result","ok":true,"summary":"fixed the bug, all tests green"}',
      '--- milestone: ok in 812 ms ---',
      '> vitest run',
      ' FAIL  test/a.test.ts',
      'Tests  1 failed | 9 passed',
      '',
    ].join('\n');
    expect(parseAttemptLog(log)).toEqual({
      claim: 'fixed the bug, all tests green',
      agentOk: true,
      verifyTail: ['> vitest run', ' FAIL  test/a.test.ts', 'Tests  1 failed | 9 passed'],
    });
  });

  it('falls back to the last plain output line, and knows a failed agent run', () => {
    const log = [
      '--- milestone: shell agent ---',
      'step 1',
      'all done, trust me',
      '--- milestone: failed: exit 2 ---',
    ].join('\n');
    expect(parseAttemptLog(log)).toEqual({ claim: 'all done, trust me', agentOk: false, verifyTail: [] });
  });
});
