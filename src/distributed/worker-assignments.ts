import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import type { StatusView } from '../report/status-view.js';

/** The store event that says which worker took an attempt (the coordinator records it). */
export const WORKER_STEP = 'remote_worker';

/** `adopted`: the attempt took over the job an earlier coordinator enqueued for its attempt N. */
export function workerEvent(
  taskId: string,
  attempt: number,
  worker: string,
  adopted?: { job: string; attempt: number },
): MilestoneEvent {
  return {
    type: 'outcome',
    step: WORKER_STEP,
    taskId,
    ok: true,
    detail: { worker, attempt, ...(adopted && { adopted }) },
  };
}

/**
 * Adds `worker` to each running task of a status view: the worker that took its current
 * attempt from the queue. Tasks run in-process, or not running, are left as they are.
 */
export function withWorkers(view: StatusView, outcomes: readonly StoredEvent[]): StatusView {
  const latest = new Map<string, { worker: string; attempt: number }>();
  for (const event of outcomes) {
    if (event.type !== 'outcome' || event.step !== WORKER_STEP || !event.taskId) continue;
    const worker = event.detail?.worker;
    const attempt = event.detail?.attempt;
    if (typeof worker === 'string' && typeof attempt === 'number')
      latest.set(event.taskId, { worker, attempt });
  }
  if (latest.size === 0) return view;
  return {
    ...view,
    tasks: view.tasks.map((task) => {
      const taken = latest.get(task.id);
      return taken && task.status === 'running' && taken.attempt === task.attempts
        ? { ...task, worker: taken.worker }
        : task;
    }),
  };
}
