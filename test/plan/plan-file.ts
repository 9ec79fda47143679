import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { loadPlanFile } from '../../src/plan/load.js';
import type { ParseResult } from '../../src/plan/parse.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';

/** Absolute path of a fixture under test/fixtures/plans. */
export function fixture(name: string): string {
  return resolve(import.meta.dirname, '../fixtures/plans', name);
}

/** Writes `text` as `name` in a fresh temporary directory and returns its path. */
export function writePlan(text: string, name = 'plan.yaml'): string {
  const dir = tempDir('milestone-plan-');
  writeFiles(dir, { [name]: text });
  return join(dir, name);
}

/** Writes and loads a plan file. */
export async function loadText(text: string, name = 'plan.yaml'): Promise<ParseResult & { file: string }> {
  const file = writePlan(text, name);
  return { ...(await loadPlanFile(file)), file };
}

/** The one problem of a result, asserting there is exactly one and no plan. */
export function onlyProblem(result: ParseResult): Problem {
  expect(result.plan).toBeNull();
  expect(result.problems.map((p) => p.code)).toHaveLength(1);
  return result.problems[0]!;
}

/** A YAML plan from task entries (each already indented YAML under `tasks:`). */
export function yamlPlan(tasks: string, head = 'version: 1\nmilestone: Test plan\n'): string {
  return `${head}tasks:\n${tasks}`;
}
