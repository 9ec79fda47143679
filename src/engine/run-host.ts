import type { AgentAdapter } from '../agents/adapter.js';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import type { Reporter } from '../report/reporter.js';
import type { IntegrationChecks } from './integration/integration-checks.js';
import type { Lander } from './lander.js';
import type { WorktreePool } from './worktree-pool.js';

/**
 * What the run's parts (landing a task branch, the run's start and teardown) need of the run:
 * where things are, its lander, pool and integration checks, and the coordinator's one way to
 * write, `record`. Each part takes the fields it uses (`Pick`).
 */
export interface RunHost {
  repoRoot: string;
  worktreeRoot: string;
  storeDir: string;
  milestoneId: string;
  /** The milestone branch. */
  branch: string;
  graceMs: number;
  /** The agent that gets one try at a conflict (config `resolver.agent`), or null. */
  resolver: string | null;
  adapters: Map<string, AgentAdapter>;
  available: Set<string> | undefined;
  reporter: Reporter;
  lander: Lander;
  pool: WorktreePool;
  integration: IntegrationChecks;
  state: () => MilestoneState;
  record: (...events: MilestoneEvent[]) => StoredEvent[];
  /** False once the run is interrupted or halted: the resolver does not start then. */
  dispatching: () => boolean;
}
