import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImportedState } from '../../bridge/state-bridge.js';
import {
  importEvents,
  parseImportedState,
  toAgentFormat,
  toCommandFormat,
} from '../../bridge/state-bridge.js';
import type { Problem } from '../../errors.js';
import { UsageError } from '../../errors.js';
import { gitExec } from '../../git/git.js';
import { StaleVersionError } from '../../store/stale-version-error.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { checkMilestoneId, openWorkspace, withExistingStore } from '../../workspace/workspace.js';
import type { Io } from '../io.js';
import { printJson } from '../io.js';

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

function readDocument(cwd: string, file: string): unknown {
  const name = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError('MILESTONE_STATE_FILE', `cannot read ${name}: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError('MILESTONE_STATE_JSON', `${name}: not valid JSON: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
}

/**
 * Applies an exported state (either shape) as events. Refused with exit 2, changing nothing,
 * when it is stale (older than the store), names unknown tasks, or claims merges that are not on
 * the milestone branch: progress must stay true.
 */
export async function stateImport(options: StateImportOptions): Promise<{ format: string; applied: number }> {
  const workspace = await openWorkspace(options.cwd);
  const name = options.file === '-' ? '<stdin>' : options.file;
  const { state: incoming, problems } = parseImportedState(readDocument(options.cwd, options.file), name);
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
    const { events, problems: diffProblems } = importEvents(current, incoming);
    const located: Problem[] = diffProblems.map((p) => ({ ...p, location: { ...p.location, file: name } }));
    located.push(...(await unprovenMerges(workspace.root, current.branch, incoming, name)));
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

async function unprovenMerges(
  root: string,
  branch: string,
  incoming: ImportedState,
  file: string,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const task of incoming.tasks) {
    if (!task.merged || !task.commit) continue;
    const check = await gitExec(root, ['merge-base', '--is-ancestor', task.commit, `refs/heads/${branch}`], {
      allowExitCodes: [1, 128],
    });
    if (check.exitCode !== 0) {
      problems.push({
        code: 'MILESTONE_STATE_UNPROVEN',
        message: `task "${task.id}" claims merge commit ${task.commit}, which is not on ${branch}`,
        location: { file, field: `phases.*.tasks[id=${task.id}].commit` },
      });
    }
  }
  return problems;
}
