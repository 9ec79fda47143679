import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { type AtomicFile, flatText } from '../store/atomic-files.js';
import type { EstimatesArtifact } from './estimates.js';
import type { RisksArtifact } from './risks.js';
import type { ScopeArtifact } from './scope.js';
import type { StrategyArtifact } from './strategy.js';
import type { UnifiedArtifact, UnifiedPlanning } from './unified.js';

/** The artifact files of `.milestones/<id>/planning/`, `<name>.json` each; `unified` is written last. */
export const PLANNING_ARTIFACTS = ['scope', 'estimates', 'risks', 'strategy', 'unified'] as const;
export type PlanningArtifactName = (typeof PLANNING_ARTIFACTS)[number];

/** What every artifact file carries besides its content. */
export interface ArtifactHeader {
  artifact: PlanningArtifactName;
  version: 1;
  planId: string;
  /** The `planHash` of the plan the artifact was computed from. */
  planHash: string;
  /** ISO 8601. */
  generatedAt: string;
}

/** The artifacts as stored, by name. */
export interface PlanningArtifacts {
  scope: ArtifactHeader & ScopeArtifact;
  estimates: ArtifactHeader & EstimatesArtifact;
  risks: ArtifactHeader & RisksArtifact;
  strategy: ArtifactHeader & StrategyArtifact;
  unified: ArtifactHeader & UnifiedArtifact;
}

/** Stable codes of the problems {@link readPlanningArtifacts} reports. */
export const PLANNING_CODES = {
  /** An artifact file does not exist. */
  missing: 'MILESTONE_PLANNING_MISSING',
  /** An artifact file cannot be read, is not JSON, or is not an artifact of that name. */
  unreadable: 'MILESTONE_PLANNING_UNREADABLE',
  /** An artifact was computed from another version of the plan. */
  stale: 'MILESTONE_PLANNING_STALE',
} as const;

/** A problem with one artifact; `location.file` is its path. */
export interface PlanningProblem extends Problem {
  artifact: PlanningArtifactName;
}

/**
 * Writes the five artifacts into `dir` (created if needed), each atomically, `unified.json`
 * last so that a current `unified.json` means the others were written. Returns their paths.
 */
export function writePlanningArtifacts(
  dir: string,
  planning: UnifiedPlanning,
  options: { generatedAt?: Date } = {},
): string[] {
  mkdirSync(dir, { recursive: true });
  return planningArtifactFiles(dir, planning, options).map(({ path, content }) => {
    writeFileAtomic(path, content);
    return path;
  });
}

/**
 * The five artifact files of `dir` as {@link writePlanningArtifacts} writes them, in its order
 * (`unified.json` last), for a caller that writes them with other files (`writeFilesAtomic`).
 */
export function planningArtifactFiles(
  dir: string,
  planning: UnifiedPlanning,
  options: { generatedAt?: Date } = {},
): AtomicFile[] {
  const header = {
    version: 1 as const,
    planId: planning.unified.planId,
    planHash: planning.planHash,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
  };
  return PLANNING_ARTIFACTS.map((name) => ({
    path: join(dir, `${name}.json`),
    content: flatText(`${JSON.stringify({ artifact: name, ...header, ...planning[name] }, null, 2)}\n`),
  }));
}

/**
 * Reads the artifacts of `dir` for a completeness check: a problem for each missing file,
 * unreadable file, and artifact whose `planHash` differs from `options.planHash` (the current
 * plan's) or, without it, from `unified.json`'s. Only the header is checked, not the content.
 */
export function readPlanningArtifacts(
  dir: string,
  options: { planHash?: string } = {},
): { artifacts: Partial<PlanningArtifacts>; problems: PlanningProblem[] } {
  const artifacts: Partial<Record<PlanningArtifactName, ArtifactHeader>> = {};
  const problems: PlanningProblem[] = [];
  const problem = (artifact: PlanningArtifactName, code: string, message: string, file: string) =>
    problems.push({ artifact, code, message, location: { file } });
  for (const name of PLANNING_ARTIFACTS) {
    const file = join(dir, `${name}.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing) problem(name, PLANNING_CODES.missing, `planning artifact ${name}.json is missing`, file);
      else
        problem(
          name,
          PLANNING_CODES.unreadable,
          `cannot read ${name}.json: ${(error as Error).message}`,
          file,
        );
      continue;
    }
    try {
      const value: unknown = JSON.parse(text);
      if (!isHeader(value, name)) throw new Error(`not a "${name}" planning artifact`);
      artifacts[name] = value;
    } catch (error) {
      problem(
        name,
        PLANNING_CODES.unreadable,
        `${name}.json is unreadable: ${(error as Error).message}`,
        file,
      );
    }
  }
  const current = options.planHash ?? artifacts.unified?.planHash;
  for (const name of PLANNING_ARTIFACTS) {
    const found = artifacts[name];
    if (!found || current === undefined || found.planHash === current) continue;
    const against = options.planHash !== undefined ? 'the current plan' : 'unified.json';
    problem(
      name,
      PLANNING_CODES.stale,
      `${name}.json was computed from another version of the plan (planHash ${found.planHash.slice(0, 12)}, ${against} ${current.slice(0, 12)}); run the planning analyses again`,
      join(dir, `${name}.json`),
    );
  }
  return { artifacts: artifacts as Partial<PlanningArtifacts>, problems };
}

function isHeader(value: unknown, name: PlanningArtifactName): value is ArtifactHeader {
  if (typeof value !== 'object' || value === null) return false;
  const header = value as Partial<ArtifactHeader>;
  return header.artifact === name && header.version === 1 && typeof header.planHash === 'string';
}
