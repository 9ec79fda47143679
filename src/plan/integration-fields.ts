import type { IntegrationMode, Phase, PhasePlan, Plan } from '../core/types.js';
import { INTEGRATION_MODES, PHASES } from '../core/types.js';
import { isRecord } from './field-path.js';

/**
 * The plan's integration settings (`verify`, `integration`, `phases.<phase>.verify`), read from
 * a plan file whose structure the schema already checked: only the fields that are set.
 */
export function integrationOfPlan(
  raw: Record<string, unknown>,
): Pick<Plan, 'verify' | 'integration' | 'phases'> {
  const out: Pick<Plan, 'verify' | 'integration' | 'phases'> = {};
  if (typeof raw.verify === 'string' && raw.verify.trim()) out.verify = raw.verify;
  if (INTEGRATION_MODES.includes(raw.integration as IntegrationMode))
    out.integration = raw.integration as IntegrationMode;
  if (isRecord(raw.phases)) {
    const phases: Partial<Record<Phase, PhasePlan>> = {};
    for (const phase of PHASES) {
      const section = raw.phases[phase];
      if (isRecord(section) && typeof section.verify === 'string' && section.verify.trim())
        phases[phase] = { verify: section.verify };
    }
    if (Object.keys(phases).length > 0) out.phases = phases;
  }
  return out;
}
