import { describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../src/plan/load.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';

// spec-kit and Kiro write a task as a sentence or two on its checkbox line; that text became the
// task's title, and a title over 100 characters (a commit subject) refused the whole file, with
// advice ("put details in the prompt or description") a Markdown task list has no place for.
// The whole text is in the task's prompt, so the title is cut at a word instead.
const LONG =
  'Implement AlbumService in src/services/album_service.py with create, rename, reorder and delete operations and their validation rules';

async function load(name: string, text: string) {
  const dir = tempDir('milestone-import-');
  writeFiles(dir, { [name]: text });
  return await loadPlanFile(`${dir}/${name}`);
}

describe('imported Markdown tasks with long descriptions', () => {
  it('spec-kit: a title cut at a word, at most 100 characters, with the whole text in the prompt', async () => {
    const result = await load(
      'tasks.md',
      `# Tasks: Albums\r\n\r\n## Phase 3: User Story 1\r\n- [ ] T004 [US1] ${LONG}\r\n- [ ] T005 Short one\r\n`,
    );
    expect(result.problems).toEqual([]);
    const [long, short] = result.plan!.tasks;
    expect(long!.title.length).toBeLessThanOrEqual(100);
    expect(long!.title).toMatch(
      /^\[US1\] Implement AlbumService in src\/services\/album_service\.py with .*[a-z]…$/,
    );
    expect(long!.prompt).toContain(LONG);
    expect(long!.files).toEqual(['src/services/album_service.py']);
    expect(short!.title).toBe('Short one');
  });

  it('Kiro: the same, and an optional task keeps its "(optional)"', async () => {
    const result = await load('tasks.md', `# Implementation Plan\n\n- [ ] 1. ${LONG}\n- [ ]* 2. ${LONG}\n`);
    expect(result.problems).toEqual([]);
    const [first, optional] = result.plan!.tasks;
    expect(first!.title.length).toBeLessThanOrEqual(100);
    expect(first!.title.endsWith('…')).toBe(true);
    expect(first!.prompt).toContain(LONG);
    expect(optional!.title.length).toBeLessThanOrEqual(100);
    expect(optional!.title.endsWith('… (optional)')).toBe(true);
  });

  it('a native plan with a long title is still refused: there the person writes the title', async () => {
    const result = await load(
      'plan.yaml',
      `version: 1\nmilestone: M\ntasks:\n  - { id: a, title: "${LONG}", run: "true" }\n`,
    );
    expect(result.problems.map((p) => p.code)).toEqual(['MILESTONE_PLAN_TITLE']);
  });
});
