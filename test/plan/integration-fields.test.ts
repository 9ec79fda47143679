import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config/config.js';
import { integrationSettings } from '../../src/engine/integration/settings.js';
import { loadText, onlyProblem, yamlPlan } from './plan-file.js';

const TASKS = '  - id: a\n    title: A\n    run: x\n';

describe('integration fields of a plan', () => {
  it('reads verify, integration and per-phase verify', async () => {
    const head =
      'version: 1\nmilestone: Test plan\nverify: npm test\nintegration: each\nphases:\n  execute: { verify: npm run e2e }\n';
    const result = await loadText(yamlPlan(TASKS, head));
    expect(result.problems).toEqual([]);
    expect(result.plan).toMatchObject({
      verify: 'npm test',
      integration: 'each',
      phases: { execute: { verify: 'npm run e2e' } },
    });
    expect(integrationSettings(result.plan!, DEFAULT_CONFIG, 'execute')).toEqual({
      mode: 'each',
      commands: ['npm test', 'npm run e2e'],
    });
    expect(integrationSettings(result.plan!, DEFAULT_CONFIG, 'design')).toEqual({
      mode: 'each',
      commands: ['npm test'],
    });
  });

  it('an unknown integration mode names the field and its line', async () => {
    const result = await loadText(
      yamlPlan(TASKS, 'version: 1\nmilestone: Test plan\nintegration: sometimes\n'),
    );
    expect(onlyProblem(result)).toMatchObject({
      code: 'MILESTONE_PLAN_SCHEMA',
      location: { file: result.file, line: 3, field: 'integration' },
    });
  });

  it('an unknown phase or key under phases is named', async () => {
    const result = await loadText(
      yamlPlan(TASKS, 'version: 1\nmilestone: Test plan\nphases:\n  execute: { verfy: x }\n'),
    );
    const problem = onlyProblem(result);
    expect(problem.message).toContain('unknown key `verfy`');
    expect(problem.message).toContain('did you mean `verify`');
    expect(problem.location).toMatchObject({ line: 4, field: 'phases.execute.verfy' });
  });

  it('config: integration defaults to batch; a phase verify from config; the plan wins', () => {
    expect(DEFAULT_CONFIG.integration).toBe('batch');
    const { config, problems } = parseConfig(
      { integration: 'phase', phases: { execute: { verify: 'make e2e' } } },
      'config.yaml',
    );
    expect(problems).toEqual([]);
    expect(integrationSettings({}, config, 'execute')).toEqual({ mode: 'phase', commands: ['make e2e'] });
    expect(
      integrationSettings({ integration: 'batch', phases: { execute: { verify: 'x' } } }, config, 'execute'),
    ).toEqual({ mode: 'batch', commands: ['x'] });
    expect(parseConfig({ integration: 'never' }, 'config.yaml').problems[0]?.location).toMatchObject({
      field: 'integration',
    });
  });
});
