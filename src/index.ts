/**
 * The library API: the same operations as the CLI, callable in-process. Each command takes
 * `{ cwd, io, ... }`; pass `recordingIo()` to capture what it would print.
 */

export { toAgentFormat, toCommandFormat } from './bridge/state-bridge.js';
export { init } from './cli/commands/init.js';
export { list } from './cli/commands/list.js';
export { metrics } from './cli/commands/metrics.js';
export { plan } from './cli/commands/plan.js';
export { report } from './cli/commands/report.js';
export { show } from './cli/commands/show.js';
export { stateExport, stateImport } from './cli/commands/state.js';
export { status } from './cli/commands/status.js';
export { ui } from './cli/commands/ui.js';
export { validate } from './cli/commands/validate.js';
export { visualize } from './cli/commands/visualize.js';
export { main } from './cli/main.js';
export type { GraphAnalysis } from './core/analysis.js';
export { analyzeGraph } from './core/analysis.js';
export { formatDuration, parseDuration, pert } from './core/duration.js';
export type { MilestoneEvent, ReviewDecision, StoredEvent, Usage } from './core/events.js';
export { findCycle } from './core/graph.js';
export { computeProgress } from './core/progress.js';
export type { MilestoneState, ReviewRecord, TaskState } from './core/projection.js';
export { applyEvent, project } from './core/projection.js';
export * from './core/types.js';
export { type DoctorReport, doctor } from './doctor/doctor.js';
export type { Finding, FindingStatus } from './doctor/finding.js';
export type { Problem } from './errors.js';
export { EXIT, ExitError, InternalError, LockedError, UsageError } from './errors.js';
export type { Io } from './io/io.js';
export { recordingIo } from './io/io.js';
export { loadPlanFile } from './plan/load.js';
export { parsePlan } from './plan/parse.js';
export { planToYaml } from './plan/serialize.js';
export type { Coverage, MetricsTotals, MilestoneMetrics, RunMetrics, TaskMetrics } from './report/metrics.js';
export { milestoneMetrics } from './report/metrics.js';
export type { AttemptEnd, AttemptRecord } from './report/metrics-attempts.js';
export type { PerformanceComparison, Recommendation, SideMetrics } from './report/metrics-compare.js';
export { comparePerformance } from './report/metrics-compare.js';
export type { StatusView } from './report/status-view.js';
export { statusView } from './report/status-view.js';
export type { Store } from './store/store.js';
export { openStore } from './store/store.js';
