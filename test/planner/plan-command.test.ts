import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/git-repo.js';
import { milestone } from '../helpers/git-repo.js';
import type { MilestoneRepo } from '../helpers/milestone-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';
import {
  cyclicPlan,
  gitOnlyPath,
  plannerCalls,
  plannerEnv,
  promptOf,
  validPlan,
} from './planner-fixtures.js';

// The built CLI with a fake Claude Code first on PATH: `milestone plan "<title>"` without --from.
const repoFiles = {
  'package.json': '{ "name": "greeter", "scripts": { "test": "node --test" } }\n',
  'src/index.js': 'export {};\n',
};

describe('plan "<title>" with a planner agent', () => {
  it('retries an invalid plan with its problems fed back, then stores the valid one like an imported plan', async () => {
    const repo = await milestoneRepo(repoFiles);
    const cyclic = `Here is my plan:\n\n${JSON.stringify(cyclicPlan())}\n\nLet me know.`;
    const valid = `\`\`\`json\n${JSON.stringify(validPlan(), null, 2)}\n\`\`\``;
    const { env, state } = plannerEnv([cyclic, valid]);

    const result = await milestoneRun(
      repo,
      ['plan', 'Add a greeting', '--id', 'add-greeting', '--json'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);

    const calls = plannerCalls(state);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.cwd).toBe(repo.root);
    expect(calls[0]!.argv).toEqual(expect.arrayContaining(['--permission-mode', 'plan']));
    expect(promptOf(calls[0]!)).toContain('Milestone: Add a greeting');
    expect(promptOf(calls[0]!)).toContain('--- package.json (first lines) ---');
    const retry = promptOf(calls[1]!);
    expect(retry).toContain('Your previous answer had these problems:');
    expect(retry).toContain('dependency cycle: design-greeting -> spec-greeting -> design-greeting');
    expect(result.stderr).toContain('attempt 1 rejected (1 problem); retrying with them');

    const printed = JSON.parse(result.stdout);
    expect(printed.planner).toMatchObject({
      agent: 'claude',
      attempts: 2,
      usage: { inputTokens: 4000, outputTokens: 800, costUsd: 0.02 },
      deliverables: ['design/architecture.md', 'spec/technical.md'],
    });
    expect(printed.plan).toMatchObject({
      id: 'add-greeting',
      title: 'Add a greeting',
      description: 'A greeting module with tests.',
      defaults: { agent: 'claude' },
    });

    const status = await repo.status('add-greeting');
    expect(status.status).toBe('planned');
    expect(status.tasks.map((t) => t.id)).toEqual(['design-greeting', 'spec-greeting', 'implement-greeting']);
    const dir = join(repo.root, '.milestones', 'add-greeting');
    for (const file of ['plan.json', 'milestone.yaml', 'planner.json', 'planning/unified.json']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readFileSync(join(dir, 'design', 'architecture.md'), 'utf8')).toBe(
      '# Architecture\n\nOne module, src/greet.js.\n',
    );
    expect(readFileSync(join(dir, 'spec', 'technical.md'), 'utf8')).toContain('greet(name)');
  });

  it('exits 1 after maxAttempts when every answer is invalid, listing the problems and logs, storing nothing', async () => {
    const repo = await milestoneRepo(repoFiles);
    const { env, state } = plannerEnv(['I could not come up with a plan, sorry.']);

    const result = await milestoneRun(repo, ['plan', 'Add a greeting', '--id', 'greet'], env);
    expect(result.code).toBe(1);
    expect(plannerCalls(state)).toHaveLength(3);
    expect(result.stderr).toContain(
      'the planner (claude) gave no valid plan in 3 attempts; the last problems:',
    );
    expect(result.stderr).toContain('- no JSON document found in the answer');
    expect(result.stderr).toMatch(/logs: .*planner-attempt-1\.log, .*planner-attempt-3\.log/);
    expect(existsSync(join(repo.root, '.milestones', 'greet'))).toBe(false);
    expect(JSON.parse((await milestoneRun(repo, ['list', '--json'], env)).stdout)).toEqual([]);
  });

  it('exits 2 when no planner agent is available, saying to install one or pass --from', async () => {
    const repo = await milestoneRepo(repoFiles);
    const result = await milestoneRun(repo, ['plan', 'Add a greeting'], { PATH: gitOnlyPath() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no planner agent available .*claude.*not found on PATH/);
    expect(result.stderr).toContain('install Claude Code, Codex CLI or Gemini CLI');
    expect(result.stderr).toContain('--from FILE');
    expect(existsSync(join(repo.root, '.milestones', 'add-greeting'))).toBe(false);
  });
});

/** The CLI in the repository with its own env (state dir) and `env` on top (PATH, the fake's settings). */
async function milestoneRun(
  repo: MilestoneRepo,
  args: string[],
  env: Record<string, string>,
): Promise<CliResult> {
  return await milestone(repo.root, args, { ...repo.env, ...env });
}
