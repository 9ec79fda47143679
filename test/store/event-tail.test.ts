import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventQuery } from '../../src/store/event-log.js';
import { eventTail } from '../../src/store/event-tail.js';
import { openStore } from '../../src/store/store.js';
import { tempDir } from '../helpers/git-repo.js';
import { plannedEvent } from './fixtures/sample-plan.js';

describe("eventTail (the coordinator's view of its own log)", () => {
  it('returns every event of the types, and reads each stored row once however often it is called', () => {
    const dir = join(tempDir(), '.milestones', '.local');
    const store = openStore(dir);
    const other = openStore(dir);
    try {
      let rowsRead = 0;
      const counting = {
        version: (id: string) => store.version(id),
        events: (id: string, query?: EventQuery) => {
          const found = store.events(id, query);
          rowsRead += found.length;
          return found;
        },
      };
      store.append('add-login', [plannedEvent()]);
      const outcomes = eventTail(counting, 'add-login', ['outcome']);
      expect(outcomes()).toEqual([]);
      for (let i = 0; i < 50; i++) {
        store.append('add-login', [
          { type: 'intent', step: 'merge', taskId: 'api' },
          { type: 'outcome', step: 'merge', taskId: 'api', ok: true, detail: { i } },
        ]);
        expect(outcomes().map((e) => (e as { detail?: { i?: number } }).detail?.i)).toEqual(
          Array.from({ length: i + 1 }, (_, n) => n),
        );
        expect(outcomes()).toHaveLength(i + 1);
      }
      // Another process's append (a `review`, a `cancel`) shows up too.
      other.append('add-login', [{ type: 'outcome', step: 'review_note', ok: true }]);
      expect(outcomes().at(-1)).toMatchObject({ step: 'review_note', seq: 102 });
      expect(rowsRead).toBe(51);
    } finally {
      other.close();
      store.close();
    }
  });
});
