import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from '../helpers/git-repo.js';

const FAKE_CLI = resolve(import.meta.dirname, '../fixtures/agents/fake-cli.mjs');

/** One call a fake agent CLI recorded. */
export interface FakeCall {
  agent: string;
  call: number;
  argv: string[];
  cwd: string;
  env: Record<string, string | null>;
}

/**
 * Puts fake `claude`, `codex` and `gemini` executables first on PATH for the test file: node
 * scripts with a shebang that run fixtures/agents/fake-cli.mjs. PATH is restored afterwards.
 */
export function useFakeAgentsOnPath(): void {
  let dir = '';
  let originalPath: string | undefined;
  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'milestone-fake-agents-')));
    for (const agent of ['claude', 'codex', 'gemini']) {
      const file = join(dir, agent);
      const url = pathToFileURL(FAKE_CLI).href;
      // No package.json here, so the script is CommonJS: a dynamic import loads the ES module.
      writeFileSync(
        file,
        `#!${process.execPath}\nprocess.argv.splice(2, 0, ${JSON.stringify(agent)});\nimport(${JSON.stringify(url)});\n`,
      );
      chmodSync(file, 0o755);
    }
    originalPath = process.env.PATH;
    process.env.PATH = `${dir}${delimiter}${originalPath ?? ''}`;
  });
  afterAll(() => {
    process.env.PATH = originalPath;
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Environment that picks a fake's scenario and where it records its calls. */
export function fakeEnv(
  scenario: string,
  stateDir = tempDir('milestone-fake-state-'),
): Record<string, string> {
  return { FAKE_AGENT_SCENARIO: scenario, FAKE_AGENT_STATE: stateDir };
}

/** The calls recorded in a fake's state directory, in order. */
export function fakeCalls(stateDir: string): FakeCall[] {
  const file = join(stateDir, 'calls.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as FakeCall);
}
