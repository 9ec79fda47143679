import { PHASES, type Phase } from '../src/core/types.js';

/** A plan as a user writes it (the `--from` file shape, durations as text), ready for JSON. */
export interface PlanFile {
  version: 1;
  milestone: string;
  id: string;
  tasks: Array<{
    id: string;
    title: string;
    phase: Phase;
    run: string;
    needs: string[];
    files: string[];
    estimate?: string | { optimistic: string; likely: string; pessimistic: string };
  }>;
}

/** Options of {@link generatePlan}. */
export interface GenerateOptions {
  tasks: number;
  seed: number;
}

/** Share of tasks per phase, roughly as milestones spread their work. */
const PHASE_SHARE: Record<Phase, number> = { design: 0.1, spec: 0.2, task: 0.2, execute: 0.5 };
const AREAS = 40;
const MODULES = 10;

/** mulberry32: a tiny seeded PRNG, so every run benches the same plan. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A large random plan shaped like real ones: four phases; `needs` only to the previous 50 tasks
 * of the same phase (0–3 of them); `files` mostly inside one module of 40 areas × 10 modules
 * (a module folder, single files, tests or docs); 70% of tasks estimated, some three-point.
 */
export function generatePlan({ tasks: count, seed }: GenerateOptions): PlanFile {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const tasks: PlanFile['tasks'] = [];
  let made = 0;
  for (const phase of PHASES) {
    const inPhase = phase === 'execute' ? count - made : Math.round(count * PHASE_SHARE[phase]);
    const first = tasks.length;
    for (let k = 0; k < inPhase; k++) {
      const id = `${phase}-${String(k).padStart(5, '0')}`;
      const window = Math.min(k, 50);
      const needs = new Set<string>();
      for (let n = pick(4); n > 0 && window > 0; n--) needs.add(tasks[first + k - 1 - pick(window)]!.id);
      const area = `area-${pick(AREAS)}`;
      const module = `mod-${pick(MODULES)}`;
      const files: string[] = [];
      for (let n = 1 + pick(2); n > 0; n--) {
        const kind = random();
        if (kind < 0.3) files.push(`src/${area}/${module}/**`);
        else if (kind < 0.8) files.push(`src/${area}/${module}/file-${pick(30)}.ts`);
        else if (kind < 0.9) files.push(`test/${area}/*.test.ts`);
        else files.push(`docs/${area}.md`);
      }
      const task: PlanFile['tasks'][number] = {
        id,
        title: `Task ${id}`,
        phase,
        run: `echo ${id}`,
        needs: [...needs],
        files: [...new Set(files)],
      };
      const estimated = random();
      if (estimated < 0.5) task.estimate = `${15 * (1 + pick(16))}m`;
      else if (estimated < 0.7) {
        const likely = 1 + pick(6);
        task.estimate = {
          optimistic: `${likely * 30}m`,
          likely: `${likely}h`,
          pessimistic: `${likely * 3}h`,
        };
      }
      tasks.push(task);
    }
    made += inPhase;
  }
  return { version: 1, milestone: `Bench plan of ${count} tasks`, id: 'bench-plan', tasks };
}
