import { describe, expect, it } from 'vitest';
import { bisectLandings } from '../../../src/engine/integration/bisect.js';

describe('bisectLandings', () => {
  it('finds the first failing landing of 8 in at most 3 checks, wherever it is', async () => {
    for (let bad = 1; bad <= 8; bad++) {
      const probed: number[] = [];
      const found = await bisectLandings(8, async (prefix) => {
        probed.push(prefix);
        return prefix < bad;
      });
      expect(found.culprit).toBe(bad);
      expect(found.steps.length).toBeLessThanOrEqual(3);
      expect(found.steps.map((s) => s.prefix)).toEqual(probed);
    }
  });

  it('needs no check for a batch of one', async () => {
    const found = await bisectLandings(1, async () => {
      throw new Error('not called');
    });
    expect(found).toEqual({ culprit: 1, steps: [] });
  });
});
