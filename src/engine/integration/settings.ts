import type { Config } from '../../config/config.js';
import type { IntegrationMode, Phase, Plan } from '../../core/types.js';

/** The integration checks of one phase: what runs on the combined tree, and when. */
export interface IntegrationSettings {
  mode: IntegrationMode;
  /** Commands run in order in the integration worktree; all must exit 0. Empty: no check. */
  commands: string[];
}

/**
 * The plan's `verify`, then the phase's own (`phases.<phase>.verify` of the plan, else of the
 * config); `integration` from the plan, else the config (default `batch`). Pure.
 */
export function integrationSettings(
  plan: Pick<Plan, 'verify' | 'integration' | 'phases'>,
  config: Pick<Config, 'integration' | 'phases'>,
  phase: Phase,
): IntegrationSettings {
  const phaseVerify = plan.phases?.[phase]?.verify ?? config.phases[phase]?.verify;
  const commands = [plan.verify, phaseVerify].filter(
    (c): c is string => typeof c === 'string' && c.length > 0,
  );
  return { mode: plan.integration ?? config.integration ?? 'batch', commands: [...new Set(commands)] };
}
