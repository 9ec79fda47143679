import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Plan } from '../core/types.js';
import type { SlotCost } from '../decision/setup-cost.js';
import { UsageError } from '../errors.js';
import { gitExec } from '../git/git.js';
import { runProcess } from '../process/run-process.js';
import { repoSlotsDir } from './naming.js';
import { readSlotRecord, slotLocked } from './slot-record.js';
import { missingSources } from './slot-setup.js';
import { listSlots } from './worktree-pool.js';

/** One slot as the preflight sees it. */
export interface SlotView {
  slot: number;
  path: string;
  /** Held by a live run (another milestone of this repository). */
  inUse: boolean;
  setupOk: boolean;
  setupMs: number | null;
  usedAt: string;
  /** Disk used by the slot's own files (links not followed); `null` when not measured. */
  diskBytes: number | null;
}

/** What `execute --dry-run` and the start of `execute` say about worktrees. */
export interface PreflightReport {
  folder: string;
  slots: SlotView[];
  setup: string | null;
  link: string[];
  copy: string[];
  /** Last measured setup of a slot, in ms. */
  lastSetupMs: number | null;
  warnings: string[];
}

/**
 * Refuses a run whose `worktrees.link` / `copy` name paths the main checkout lacks (exit 2,
 * before anything changed): every task would fail on it.
 */
export function checkWorktreeSources(repoRoot: string, config: Config, configFile: string): void {
  const missing = missingSources(repoRoot, config.worktrees);
  if (missing.length === 0) return;
  throw new UsageError(
    'MILESTONE_CONFIG',
    `worktrees: ${missing.map((m) => `\`${m}\``).join(', ')} not found in ${repoRoot}`,
    missing.map((m) => ({
      code: 'MILESTONE_CONFIG',
      message: `${m} does not exist in the main checkout, so it cannot be linked or copied into worktrees`,
      location: {
        file: configFile,
        field: config.worktrees.link.includes(m) ? 'worktrees.link' : 'worktrees.copy',
      },
    })),
  );
}

/** Looks at the slots, the settings and the plan's verify commands. Reads only. */
export async function preflight(input: {
  repoRoot: string;
  worktreeRoot: string;
  config: Config;
  plan: Plan;
  /** Measure each slot's disk use (`du`, a second or so on a large checkout). */
  disk: boolean;
}): Promise<PreflightReport> {
  const folder = repoSlotsDir(input.worktreeRoot, input.repoRoot);
  const slots: SlotView[] = [];
  for (const { path, slot } of listSlots(folder)) {
    const record = readSlotRecord(path, new Date(0));
    slots.push({
      slot,
      path,
      inUse: slotLocked(path),
      setupOk: record.setupOk,
      setupMs: record.setupMs,
      usedAt: record.usedAt,
      diskBytes: input.disk ? await diskUsage(path) : null,
    });
  }
  const measured = slots.filter((s) => s.setupMs !== null).sort((a, b) => b.usedAt.localeCompare(a.usedAt));
  const { worktrees } = input.config;
  return {
    folder,
    slots,
    setup: worktrees.setup,
    link: worktrees.link,
    copy: worktrees.copy,
    lastSetupMs: worktrees.setup ? (measured[0]?.setupMs ?? null) : null,
    warnings: await dependencyWarnings(input.repoRoot, input.config, input.plan),
  };
}

/** The inputs of the setup-cost weighing, from the preflight and the plan. */
export function slotCost(
  report: PreflightReport,
  plan: Plan,
  facts: { cpus: number; meanTaskMs: number | null; tasks: number },
): SlotCost {
  return {
    readySlots: report.slots.filter((s) => !s.inUse && s.setupOk).length,
    setupMs: report.lastSetupMs,
    cpuBoundVerify: plan.defaults.verify !== undefined || plan.tasks.some((t) => t.verify !== undefined),
    ...facts,
  };
}

/** Slots a run using `slotsWanted` at once has to create. */
export function slotsToCreate(report: PreflightReport, slotsWanted: number): number {
  return Math.max(0, slotsWanted - report.slots.filter((s) => !s.inUse).length);
}

/** Lines for people, one fact each. */
export function preflightLines(report: PreflightReport, slotsWanted: number): string[] {
  const lines = [`worktrees: ${report.folder}`];
  const size = (bytes: number | null) => (bytes === null ? '' : `, ${formatBytes(bytes)}`);
  const slots = report.slots.map(
    (s) =>
      `_slot-${s.slot}${s.inUse ? ' (in use by another run)' : ''}${s.setupOk ? '' : ' (setup pending)'}${size(s.diskBytes)}`,
  );
  lines.push(
    `  slots: ${report.slots.length} kept${slots.length ? ` (${slots.join('; ')})` : ''}, ${slotsToCreate(report, slotsWanted)} to create`,
  );
  lines.push(
    `  setup: ${report.setup ? `\`${report.setup}\`` : 'none'}${report.lastSetupMs !== null ? ` (last took ${(report.lastSetupMs / 1000).toFixed(1)} s)` : ''}; link: ${report.link.join(', ') || 'none'}; copy: ${report.copy.join(', ') || 'none'}`,
  );
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  return lines;
}

/**
 * Warns when verify will need git-ignored dependencies that no setting puts in the worktrees:
 * a fresh checkout has no `node_modules` (or virtualenv), so verify would exit 127.
 */
async function dependencyWarnings(repoRoot: string, config: Config, plan: Plan): Promise<string[]> {
  const verifies = [plan.defaults.verify, ...plan.tasks.map((t) => t.verify)].filter(
    (v): v is string => v !== undefined,
  );
  if (verifies.length === 0 || config.worktrees.setup) return [];
  const provided = new Set([...config.worktrees.link, ...config.worktrees.copy]);
  const warnings: string[] = [];
  const sample = `\`${verifies[0]}\``;
  if (
    existsSync(join(repoRoot, 'package.json')) &&
    !provided.has('node_modules') &&
    (await ignored(repoRoot, 'node_modules'))
  ) {
    warnings.push(
      `verify ${sample} runs in worktrees without node_modules (git-ignored, and no worktrees.setup, link or copy provides it): add \`worktrees: { link: [node_modules] }\` or \`setup: npm ci\``,
    );
  }
  for (const venv of ['.venv', 'venv']) {
    if (
      existsSync(join(repoRoot, venv)) &&
      !provided.has(venv) &&
      verifies.some((v) => /\b(python3?|pytest|tox|nox)\b/.test(v)) &&
      (await ignored(repoRoot, venv))
    ) {
      warnings.push(
        `verify ${sample} runs in worktrees without ${venv} (git-ignored, and nothing provides it): add \`worktrees: { link: [${venv}] }\` or a setup that creates it (docs/worktrees.md)`,
      );
    }
  }
  return warnings;
}

async function ignored(repoRoot: string, path: string): Promise<boolean> {
  // The trailing slash asks about a folder, as `node_modules/` in .gitignore only matches one.
  const result = await gitExec(repoRoot, ['check-ignore', '-q', '--no-index', `${path}/`], {
    allowExitCodes: [1],
  });
  return result.exitCode === 0;
}

/** Disk used by a folder's own files (symlinks not followed), via `du -sk`. */
export async function diskUsage(path: string): Promise<number | null> {
  const result = await runProcess({ file: 'du', args: ['-sk', path], cwd: '/' }).catch(() => null);
  const kib = Number(result?.stdoutTail.split('\t')[0]);
  return result?.exitCode === 0 && Number.isFinite(kib) ? kib * 1024 : null;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}
