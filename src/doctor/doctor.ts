import { join } from 'node:path';
import { resolveAgents } from '../agents/registry.js';
import type { MilestoneState } from '../core/projection.js';
import { ExitError, UsageError } from '../errors.js';
import { gitExec } from '../git/git.js';
import type { Io } from '../io/io.js';
import { printJson, recordingIo } from '../io/io.js';
import { openStore, STORE_FILE } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';
import { openWorkspace } from '../workspace/workspace.js';
import { checkAgents, neededAgents } from './agent-health.js';
import { checkCoordinators } from './coordinators.js';
import type { Finding, FindingStatus } from './finding.js';
import { needsPerson } from './finding.js';
import { gitFinding } from './git-version.js';
import { checkStore } from './store-health.js';

export interface DoctorOptions {
  cwd: string;
  io: Io;
  /** Repair what is safe: upgrade the schema, release stale leases, remove orphans (`milestone clean`). */
  fix: boolean;
  json: boolean;
  env?: Record<string, string | undefined>;
}

/** What `doctor` found and did; `--json` prints it. */
export interface DoctorReport {
  /** Nothing is left for a person. */
  ok: boolean;
  fix: boolean;
  findings: Finding[];
}

/**
 * Checks this repository's milestone setup: git version, the store (integrity, schema), leases
 * and coordinators, orphaned worktrees, task branches and agents, and the agents' availability.
 * With `fix`, repairs what is safe and says what it did. Throws an `ExitError` (exit 1) when
 * something needs a person, after printing the report.
 */
export async function doctor(options: DoctorOptions): Promise<DoctorReport> {
  const versionText = await gitVersion(options.cwd);
  if (versionText === null) {
    // Without git nothing else can be looked at (the repository is found through git): the
    // report says so instead of failing on the first git command.
    return conclude(options, [
      gitFinding(null),
      {
        check: 'repository',
        status: 'note',
        message: 'not checked: the store, worktrees and agents need git',
      },
    ]);
  }
  const workspace = await openWorkspace(options.cwd);
  const findings: Finding[] = [gitFinding(versionText)];
  if (
    (await gitExec(workspace.worktree, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowExitCodes: [1] }))
      .exitCode !== 0
  )
    findings.push({
      check: 'repository',
      status: 'person',
      message: 'HEAD has no commit yet: a milestone branches from a commit',
      action: 'make the first commit, e.g. `git commit --allow-empty -m "Initial commit"`',
    });
  const file = join(workspace.storeDir, STORE_FILE);
  let health = checkStore(file);
  if (
    options.fix &&
    health.readable &&
    health.findings.some((f) => f.check === 'schema' && f.status === 'fixable')
  ) {
    // A writable open migrates; the store is checked again so the report shows the result.
    openStore(workspace.storeDir).close();
    health = checkStore(file);
    for (const finding of health.findings)
      if (finding.check === 'schema' && finding.status === 'ok')
        Object.assign(finding, { status: 'fixed', action: 'upgraded the schema' } satisfies Partial<Finding>);
  }
  findings.push(...health.findings);
  const schemaOk = health.findings.some(
    (f) => f.check === 'schema' && (f.status === 'ok' || f.status === 'fixed'),
  );
  const states = health.readable && schemaOk ? await storeChecks(workspace, options, findings) : [];
  if (health.readable && !schemaOk)
    findings.push({
      check: 'orphans',
      status: 'note',
      message: 'not checked until the store schema is current',
    });

  const { adapters, problems } = resolveAgents(workspace.config.agents, {
    file: workspace.configFile,
    baseDir: workspace.root,
  });
  if (problems.length)
    throw new UsageError('MILESTONE_CONFIG', `invalid agents in ${workspace.configFile}`, problems);
  const needed = neededAgents(states, {
    planner: workspace.config.planner.agent,
    resolver: workspace.config.resolver.agent,
  });
  findings.push(...(await checkAgents(adapters, needed)));
  return conclude(options, findings);
}

/** Prints the report; throws an `ExitError` (exit 1) when something needs a person. */
function conclude(options: DoctorOptions, findings: Finding[]): DoctorReport {
  const report: DoctorReport = { ok: !needsPerson(findings), fix: options.fix, findings };
  if (options.json) printJson(options.io, report);
  else render(options.io, report);
  if (!report.ok) {
    const count = findings.filter((f) => f.status === 'person' || f.status === 'fixable').length;
    const fixable = findings.some((f) => f.status === 'fixable');
    throw new ExitError(
      'MILESTONE_DOCTOR',
      `${count} finding${count === 1 ? '' : 's'} need${count === 1 ? 's' : ''} attention${fixable ? ' (run `milestone doctor --fix` for those marked fixable)' : ''}`,
    );
  }
  return report;
}

/** Leases, coordinators and orphans, from the store (read-only unless fixing). */
async function storeChecks(
  workspace: Workspace,
  options: DoctorOptions,
  findings: Finding[],
): Promise<MilestoneState[]> {
  const store = openStore(workspace.storeDir, { readonly: !options.fix });
  let states: MilestoneState[];
  try {
    states = store.list();
    findings.push(...checkCoordinators(store, options.fix));
  } finally {
    store.close();
  }
  findings.push(...(await checkOrphans(options)));
  return states;
}

/**
 * Orphans are what `milestone clean` removes (its dry run finds them; `--fix` runs it): agents a
 * dead coordinator left running, worktrees and task branches no live run needs. Idle slots of
 * the worktree pool are a cache, not orphans; `clean` removes those too when it runs.
 */
async function checkOrphans(options: DoctorOptions): Promise<Finding[]> {
  const { clean } = await import('../cli/commands/clean.js');
  const env = options.env ?? process.env;
  const found = await clean({ cwd: options.cwd, io: recordingIo(), dryRun: true, env });
  const isSlot = (path: string) => /\/_slots\/_slot-\d+$/.test(path);
  const orphans = [
    ...found.agents.map(
      (a) => `agent of ${a.milestoneId}/${a.taskId} still running (process group ${a.pgid})`,
    ),
    ...found.worktrees.filter((p) => !isSlot(p)).map((p) => `worktree ${p}`),
    ...found.branches.map((b) => `task branch ${b}`),
  ];
  const slots = found.worktrees.filter(isSlot).length;
  const findings: Finding[] = [];
  if (orphans.length === 0) {
    findings.push({
      check: 'orphans',
      status: 'ok',
      message: 'no orphaned agents, worktrees or task branches',
    });
  } else if (!options.fix) {
    for (const orphan of orphans)
      findings.push({
        check: 'orphans',
        status: 'fixable',
        message: `orphaned ${orphan}`,
        action: '`milestone doctor --fix` (or `milestone clean`) removes it',
      });
  } else {
    const done = await clean({ cwd: options.cwd, io: recordingIo(), dryRun: false, env });
    for (const a of done.agents)
      findings.push({
        check: 'orphans',
        status: 'fixed',
        message: `orphaned agent of ${a.milestoneId}/${a.taskId}`,
        action: `stopped process group ${a.pgid}`,
      });
    for (const path of done.worktrees)
      findings.push({
        check: 'orphans',
        status: 'fixed',
        message: `${isSlot(path) ? 'idle slot' : 'orphaned worktree'} ${path}`,
        action: 'removed',
      });
    for (const branch of done.branches)
      findings.push({
        check: 'orphans',
        status: 'fixed',
        message: `orphaned task branch ${branch}`,
        action: 'deleted',
      });
    return findings;
  }
  if (slots > 0)
    findings.push({
      check: 'orphans',
      status: 'note',
      message: `${slots} idle worktree slot${slots === 1 ? '' : 's'} kept for reuse (worktrees.keep)`,
    });
  return findings;
}

async function gitVersion(cwd: string): Promise<string | null> {
  try {
    return (await gitExec(cwd, ['--version'])).stdout;
  } catch {
    return null;
  }
}

const LABEL: Record<FindingStatus, string> = {
  ok: 'ok',
  note: 'note',
  fixable: 'FIXABLE',
  fixed: 'fixed',
  person: 'NEEDS YOU',
};

function render(io: Io, report: DoctorReport): void {
  for (const f of report.findings) {
    io.out(`${LABEL[f.status].padEnd(9)} ${f.check.padEnd(12)} ${f.message}`);
    if (f.action) io.out(`${''.padEnd(22)} -> ${f.action}`);
  }
  const fixed = report.findings.filter((f) => f.status === 'fixed').length;
  if (fixed) io.out(`\nrepaired ${fixed} thing${fixed === 1 ? '' : 's'}`);
  if (report.ok) io.out(fixed ? 'nothing else needs attention' : '\nall good');
}
