import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { MilestoneState } from '../core/projection.js';
import { lazyCrypto } from '../store/lazy-crypto.js';
import type { Workspace } from './workspace.js';

/**
 * One line warning that the plan file changed (or vanished) since it was stored, with the
 * command that takes the new version; `null` when it is unchanged or was not a file.
 */
export function planFileChanged(workspace: Workspace, state: MilestoneState): string | null {
  const source = state.source;
  if (!source) return null;
  const file = resolve(workspace.root, source.file);
  if (!existsSync(file)) return null;
  const now = lazyCrypto().createHash('sha256').update(readFileSync(file)).digest('hex');
  if (now === source.sha256) return null;
  return `warning: ${source.file} changed since ${state.id} was planned; the stored plan is used. To use the new version: milestone plan --from ${source.file} --replace ${state.id}`;
}
