import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImportedState } from '../../bridge/state-bridge.js';
import {
  importEvents,
  parseImportedState,
  toAgentFormat,
  toCommandFormat,
} from '../../bridge/state-bridge.js';
import type { MilestoneState } from '../../core/projection.js';
import { landedOnBranch } from '../../engine/landing.js';
import type { Problem } from '../../errors.js';
import { UsageError } from '../../errors.js';
import { gitExec } from '../../git/git.js';
import { requireGit } from '../../git/git-on-path.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import { PLAN_CODES } from '../../plan/codes.js';
import type { PositionOf } from '../../plan/source-map.js';
import { readJson } from '../../plan/syntax.js';
import { StaleVersionError } from '../../store/stale-version-error.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { checkMilestoneId, openWorkspace, withExistingStore } from '../../workspace/workspace.js';

export interface StateExportOptions {
  cwd: string;
  io: Io;
  id: string;
  format: 'command' | 'agent';
}

/** Prints the milestone's state in the command-layer or agent-layer shape. */
export async function stateExport(options: StateExportOptions): Promise<unknown> {
  const workspace = await openWorkspace(options.cwd);
  const state = await withExistingStore(workspace, (store) => resolveMilestone(store, options.id));
  const document = options.format === 'agent' ? toAgentFormat(state) : toCommandFormat(state);
  printJson(options.io, document);
  return document;
}

export interface StateImportOptions {
  cwd: string;
  io: Io;
  /** A JSON file, or `-` for stdin. */
  file: string;
}

/** The file's JSON and where its fields are; malformed JSON or a key written twice is refused at its place. */
function readDocument(cwd: string, file: string): { value: unknown; positionOf: PositionOf } {
  const name = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError('MILESTONE_STATE_FILE', `cannot read ${name}: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  const read = readJson(text.replace(/^\uFEFF/, ''), name);
  if (!read.ok) {
    const problems = read.problems.map((problem) =>
      problem.code === PLAN_CODES.json ? { ...problem, code: 'MILESTONE_STATE_JSON' } : problem,
    );
    throw new UsageError('MILESTONE_STATE_JSON', `${name}: not valid JSON`, problems);
  }
  return read;
}

/**
 * Applies an exported state (either shape) as events. Refused with exit 2, changing nothing,
 * when it is stale (older than the store), names unknown tasks, or claims merges that are not on
 * the milestone branch: progress must stay true.
 */
export async function stateImport(options: StateImportOptions): Promise<{ format: string; applied: number }> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const name = options.file === '-' ? '<stdin>' : options.file;
  const document = readDocument(options.cwd, options.file);
  const { state: incoming, problems } = parseImportedState(document.value, name, document.positionOf);
  if (!incoming) throw new UsageError('MILESTONE_STATE_SHAPE', `${name} is neither state shape`, problems);
  checkMilestoneId(incoming.id, `${name}: id`);
  return withExistingStore(workspace, async (store) => {
    const current = resolveMilestone(store, incoming.id);
    if (incoming.version !== current.version) {
      const why = incoming.version < current.version ? 'stale' : 'newer than the store';
      throw new UsageError(
        'MILESTONE_STALE_VERSION',
        `${name}: version ${incoming.version} is ${why} (the store is at version ${current.version}); export again and re-apply your change`,
      );
    }
    const proof = await proveLandings(workspace.root, current, incoming, name);
    const { events, problems: diffProblems } = importEvents(current, proof.state);
    const located: Problem[] = diffProblems.map((p) => ({ ...p, location: { ...p.location, file: name } }));
    located.push(...proof.problems);
    if (located.length)
      throw new UsageError('MILESTONE_STATE_INVALID', `${name} cannot be imported`, located);
    if (events.length === 0) {
      options.io.err(`${incoming.id}: nothing to change (already at version ${current.version})`);
      return { format: incoming.format, applied: 0 };
    }
    try {
      store.append(
        incoming.id,
        [...events, { type: 'state_imported', format: incoming.format, changes: events.length }],
        {
          expectVersion: current.version,
        },
      );
    } catch (error) {
      if (error instanceof StaleVersionError) {
        throw new UsageError(
          'MILESTONE_STALE_VERSION',
          `${name}: the milestone changed while importing; export again`,
          [],
          { cause: error },
        );
      }
      throw error;
    }
    options.io.err(
      `${incoming.id}: applied ${events.length} change(s) from the ${incoming.format}-layer state`,
    );
    return { format: incoming.format, applied: events.length };
  });
}

/**
 * Git, not the import, says what landed: a task may be imported as `succeeded` or `merged` only
 * when a commit with its `Task-Id:` trailer is on the milestone branch (and a named commit must
 * be on that branch), and the milestone may be imported as `completed` only when every task
 * landed. A proven task missing its commit gets the one git shows, so the store stays true.
 */
async function proveLandings(
  root: string,
  current: MilestoneState,
  incoming: ImportedState,
  file: string,
): Promise<{ state: ImportedState; problems: Problem[] }> {
  const problems: Problem[] = [];
  const landed = await landedOnBranch(root, current.branch, current.base, current.id);
  const field = (id: string) => `phases.*.tasks[id=${id}]`;
  const tasks = [];
  for (const task of incoming.tasks) {
    const known = current.tasks[task.id];
    const claims = task.status === 'succeeded' || task.merged;
    const unchanged =
      known?.merged === true &&
      known.status === task.status &&
      task.merged &&
      (task.commit === null || task.commit === known.commit);
    if (!known || !claims || unchanged) {
      tasks.push(task);
      continue;
    }
    const sha = landed.tasks.get(task.id);
    if (!sha) {
      problems.push({
        code: 'MILESTONE_STATE_UNPROVEN',
        message: `task "${task.id}" is marked ${task.status}${task.merged ? ' and merged' : ''}, but no commit with \`Task-Id: ${task.id}\` is on ${current.branch}; only \`milestone execute\` lands work`,
        location: { file, field: `${field(task.id)}.status` },
      });
      tasks.push(task);
      continue;
    }
    if (task.commit && !(await onBranch(root, task.commit, current.branch))) {
      problems.push({
        code: 'MILESTONE_STATE_UNPROVEN',
        message: `task "${task.id}" claims merge commit ${task.commit}, which is not on ${current.branch}`,
        location: { file, field: `${field(task.id)}.commit` },
      });
    }
    tasks.push({ ...task, merged: true, commit: task.commit ?? sha });
  }
  if (incoming.status === 'completed' && current.status !== 'completed') {
    const open = current.plan.tasks
      .filter((t) => !landed.tasks.has(t.id) && !current.tasks[t.id]?.merged)
      .map((t) => t.id);
    if (open.length > 0) {
      problems.push({
        code: 'MILESTONE_STATE_UNPROVEN',
        message: `the milestone cannot be completed: ${open.length} of ${current.plan.tasks.length} task(s) have not landed on ${current.branch} (${open.slice(0, 5).join(', ')})`,
        location: { file, field: incoming.format === 'agent' ? 'metadata.status' : 'status' },
      });
    }
  }
  return { state: { ...incoming, tasks }, problems };
}

async function onBranch(root: string, commit: string, branch: string): Promise<boolean> {
  // An object id only: anything else (say, `--all`) must never reach git as an option.
  if (!/^[0-9a-f]{4,64}$/i.test(commit)) return false;
  const check = await gitExec(root, ['merge-base', '--is-ancestor', commit, `refs/heads/${branch}`], {
    allowExitCodes: [1, 128],
  });
  return check.exitCode === 0;
}
