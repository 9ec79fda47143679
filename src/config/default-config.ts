import type { Config } from './config.js';

/**
 * The configuration used when `.milestones/config.yaml` does not exist: the schema's defaults
 * (`configSchema.parse({})` in `config.ts`), written out so that a command in a repository
 * without a config file does not load zod to compute them. test/config/default-config.test.ts
 * checks that it equals the schema's defaults.
 */
export const SCHEMA_DEFAULTS: Config = {
  version: 1,
  protectedBranches: ['main', 'master'],
  weights: {
    design: 0.15,
    spec: 0.25,
    task: 0.2,
    execute: 0.4,
  },
  concurrency: null,
  adoption: 'default-complex',
  integration: 'batch',
  worktrees: {
    dir: null,
    setup: null,
    copy: [],
    link: [],
    key: null,
    keep: 8,
    maxAge: '7d',
  },
  commit: {
    strategy: 'task',
    type: null,
    records: true,
    messages: {
      design: 'feat(design): complete design phase for {title}',
      spec: 'feat(spec): complete specification phase for {title}',
      task: 'feat(task): complete task planning for {title}',
      execute: 'feat(execute): implement {title} functionality',
    },
  },
  phases: {
    design: {
      approval: 'none',
    },
    spec: {
      approval: 'none',
    },
    task: {
      approval: 'none',
    },
    execute: {
      approval: 'none',
    },
  },
  agents: {},
  complexity: {
    high: {
      tasks: 20,
      files: 50,
    },
    medium: {
      tasks: 10,
      files: 20,
    },
  },
  budget: {
    task: {
      costUsd: null,
      tokens: null,
    },
    milestone: {
      costUsd: null,
      tokens: null,
    },
    onExceed: 'finish-running',
  },
  resolver: {
    agent: null,
  },
  fallback: {},
  notify: {
    webhook: null,
    bell: true,
    desktop: true,
  },
  limits: {
    logMaxMb: 50,
    outputMaxMb: 1024,
    maxProcesses: 512,
    memoryMb: null,
    minFreeMb: 100,
    nice: 10,
  },
  planner: {
    agent: null,
    maxAttempts: 3,
    timeout: '20m',
  },
  secrets: {
    names: [],
  },
  queue: null,
};
