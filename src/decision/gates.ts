import type { Config } from '../config/config.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';

/** A phase gate's state, in the original commands' review vocabulary. */
export type GateState = 'none' | 'pending' | 'in_review' | 'approved' | 'rejected' | 'changes_requested';

/**
 * The gate of one phase: `none` when the phase needs no approval, `pending` until the phase has
 * completed, `in_review` once it has and awaits a decision, else the latest decision. Pure.
 */
export function gateState(
  state: Pick<MilestoneState, 'reviews' | 'phaseCommits'>,
  config: Config,
  phase: Phase,
): GateState {
  if (config.phases[phase].approval !== 'required') return 'none';
  const latest = [...state.reviews].reverse().find((review) => review.phase === phase);
  if (latest) return latest.decision;
  return state.phaseCommits[phase] ? 'in_review' : 'pending';
}

/** Every phase's gate. */
export function gates(
  state: Pick<MilestoneState, 'reviews' | 'phaseCommits'>,
  config: Config,
): Record<Phase, GateState> {
  return {
    design: gateState(state, config, 'design'),
    spec: gateState(state, config, 'spec'),
    task: gateState(state, config, 'task'),
    execute: gateState(state, config, 'execute'),
  };
}

/** A completed phase whose gate is not approved blocks what follows it; the first such phase, or null. */
export function blockingGate(state: MilestoneState, config: Config): Phase | null {
  for (const [phase, gate] of Object.entries(gates(state, config)) as Array<[Phase, GateState]>) {
    if (gate === 'in_review' || gate === 'rejected' || gate === 'changes_requested') return phase;
  }
  return null;
}

/** The sentence telling a person what the gate waits for. */
export function gateMessage(state: MilestoneState, config: Config, phase: Phase): string {
  const gate = gateState(state, config, phase);
  const latest = [...state.reviews].reverse().find((review) => review.phase === phase);
  const approve = `milestone review ${state.id} --phase ${phase} --approve`;
  if (gate === 'rejected' || gate === 'changes_requested') {
    return `phase ${phase} was ${gate === 'rejected' ? 'rejected' : 'sent back with changes requested'}${latest?.comment ? ` ("${latest.comment}")` : ''}; the next phase stays blocked until \`${approve}\``;
  }
  return `phase ${phase} needs approval before the next phase starts: \`${approve}\` (or --reject / --request-changes --comment "...")`;
}
