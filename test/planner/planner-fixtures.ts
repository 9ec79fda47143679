import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../helpers/git-repo.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/planner');
/** The fake Claude Code that answers with planner replies. */
export const FAKE_CLAUDE = join(FIXTURES, 'fake-claude-planner.mjs');
/** An exec-protocol planner. */
export const EXEC_PLANNER = join(FIXTURES, 'exec-planner.mjs');

/** A plan a planner could answer with: design, spec and execute tasks, deliverables. */
export function validPlan(): Record<string, unknown> {
  return {
    version: 1,
    milestone: 'the agent may call it anything',
    id: 'ignored-id',
    description: 'A greeting module with tests.',
    tasks: [
      {
        id: 'design-greeting',
        title: 'Design the greeting API',
        phase: 'design',
        prompt: 'Complete the design document.',
        files: ['.milestones/add-greeting/design/**'],
        estimate: '1h',
      },
      {
        id: 'spec-greeting',
        title: 'Specify the tests',
        phase: 'spec',
        prompt: 'Write the test plan.',
        needs: ['design-greeting'],
        files: ['.milestones/add-greeting/spec/**'],
        estimate: '30m',
      },
      {
        id: 'implement-greeting',
        title: 'Implement greet()',
        phase: 'execute',
        prompt: 'Add src/greet.js exporting greet(name).',
        needs: ['spec-greeting'],
        files: ['src/greet.js'],
        estimate: { optimistic: '30m', likely: '1h', pessimistic: '2h' },
        verify: 'node --test',
      },
    ],
    deliverables: {
      'design/architecture.md': '# Architecture\n\nOne module, src/greet.js.',
      'spec/technical.md': '# Technical specification\n\ngreet(name) returns "hello <name>".',
    },
  };
}

/** The valid plan with a dependency cycle between its first two tasks. */
export function cyclicPlan(): Record<string, unknown> {
  const plan = validPlan();
  const tasks = plan.tasks as Array<Record<string, unknown>>;
  tasks[0]!.needs = ['spec-greeting'];
  tasks[0]!.phase = 'spec';
  return plan;
}

/** A directory with a `claude` executable (the fake planner) for the front of PATH. */
export function fakeClaudeDir(): string {
  const dir = tempDir('milestone-fake-planner-');
  const file = join(dir, 'claude');
  // No package.json here, so the script is CommonJS: a dynamic import loads the ES module.
  writeFileSync(file, `#!${process.execPath}\nimport(${JSON.stringify(pathToFileURL(FAKE_CLAUDE).href)});\n`);
  chmodSync(file, 0o755);
  return dir;
}

/** Environment for the fake planner: its answers, in order, and where it records calls. */
export function plannerEnv(answers: string[]): { env: Record<string, string>; state: string } {
  const state = tempDir('milestone-planner-state-');
  const file = join(state, 'answers.json');
  writeFileSync(file, JSON.stringify(answers));
  const path = `${fakeClaudeDir()}${delimiter}${process.env.PATH ?? ''}`;
  return { env: { PATH: path, FAKE_PLANNER_ANSWERS: file, FAKE_PLANNER_STATE: state }, state };
}

/** A PATH on which git is the only program: no coding agent can be found. */
export function gitOnlyPath(): string {
  const dir = tempDir('milestone-git-only-');
  const git = (process.env.PATH ?? '')
    .split(delimiter)
    .map((entry) => join(entry, 'git'))
    .find((candidate) => existsSync(candidate));
  if (!git) throw new Error('git not found on PATH');
  symlinkSync(git, join(dir, 'git'));
  return dir;
}

/** One call the fake planner recorded. */
export interface PlannerCall {
  call: number;
  argv: string[];
  cwd: string;
}

/** The fake planner's calls, in order. */
export function plannerCalls(state: string): PlannerCall[] {
  const file = join(state, 'calls.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PlannerCall);
}

/** The prompt of a recorded call: the argument after `-p`. */
export function promptOf(call: PlannerCall): string {
  return call.argv[call.argv.indexOf('-p') + 1] ?? '';
}
