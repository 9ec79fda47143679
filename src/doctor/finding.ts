/** What `milestone doctor` looks at, one name per check. */
export const DOCTOR_CHECKS = [
  'git',
  'repository',
  'store',
  'schema',
  'leases',
  'coordinators',
  'orphans',
  'agents',
] as const;
export type DoctorCheck = (typeof DOCTOR_CHECKS)[number];

/**
 * How a finding stands: `ok`; `note` (worth knowing, nothing to do); `fixable` (`--fix` repairs
 * it safely); `fixed` (`--fix` just did); `person` (someone has to decide or act).
 */
export type FindingStatus = 'ok' | 'note' | 'fixable' | 'fixed' | 'person';

/** One thing the doctor found, as plain data (`doctor --json` prints a list of them). */
export interface Finding {
  check: DoctorCheck;
  status: FindingStatus;
  /** What was found, one line. */
  message: string;
  /** What to do about it, or what `--fix` did / would do. */
  action?: string;
}

/** Whether the findings leave something for a person (exit 1): a `person` or an unfixed `fixable`. */
export function needsPerson(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.status === 'person' || f.status === 'fixable');
}
