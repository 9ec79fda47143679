import type { AgentAdapter } from '../agents/adapter.js';
import type { Store } from '../store/store.js';
import type { QueueUrl } from './queue-url.js';
import { parseQueueUrl } from './queue-url.js';
import type { RemoteRunner } from './remote-runner.js';
import { workerEvent } from './worker-assignments.js';

/** The variable that holds the Redis password when the URL has none (keeps it out of config files). */
export const PASSWORD_VARIABLE = 'MILESTONE_QUEUE_PASSWORD';

/**
 * The queue of this run: `--queue`, else config `queue:`, else none (in-process). Checked before
 * anything is written, so a bad URL is a usage error naming where it came from.
 */
export function queueOf(
  flag: string | undefined,
  configured: string | null,
  env: Record<string, string | undefined>,
): QueueUrl | null {
  const raw = flag ?? configured;
  if (!raw) return null;
  return parseQueueUrl(raw, flag ? '--queue' : 'config queue', env[PASSWORD_VARIABLE] || undefined);
}

/**
 * With a queue the agents run on the workers, which probe them there: here every configured
 * agent counts as available (a job for an agent no worker has waits in its queue).
 */
export function agentsOnWorkers(adapters: Map<string, AgentAdapter>): void {
  for (const [name, adapter] of adapters) {
    adapters.set(name, {
      ...adapter,
      name: adapter.name,
      run: adapter.run.bind(adapter),
      probe: async () => ({ available: true, reason: 'runs on the queue workers' }),
    });
  }
}

/**
 * Opens the coordinator's side of the queue for one `execute` (bullmq loads only here), once
 * Redis answers: a connection that can never work (an untrusted TLS certificate) throws its
 * UsageError here, before the run writes anything.
 */
export async function openQueuedRun(input: {
  url: QueueUrl;
  repoRoot: string;
  remote: string;
  milestoneId: string;
  store: Store;
  say: (line: string) => void;
}): Promise<RemoteRunner> {
  const { openRemoteRunner } = await import('./remote-runner.js');
  input.say(`tasks go to the queue at ${input.url.display}; workers push to ${input.remote}`);
  const runner = openRemoteRunner({
    url: input.url,
    repoRoot: input.repoRoot,
    remote: input.remote,
    milestoneId: input.milestoneId,
    say: input.say,
    onWorker: (taskId, attempt, worker, adopted) => {
      // The worker numbers an adopted job by the earlier run's attempt: both numbers are said.
      const which = adopted ? ` (the adopted job of attempt ${adopted.attempt})` : '';
      input.say(`${taskId}: attempt ${attempt}${which} runs on worker ${worker}`);
      input.store.append(input.milestoneId, [workerEvent(taskId, attempt, worker, adopted)]);
    },
  });
  await runner.connected();
  return runner;
}
