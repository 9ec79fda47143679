import { setTimeout as sleep } from 'node:timers/promises';
import { redact, secretValues } from '../agents/redact.js';
import type { Config } from '../config/config.js';
import type { MilestoneState } from '../core/projection.js';
import type { Reporter } from '../report/reporter.js';
import { desktopNotify } from './desktop.js';
import type { Notification } from './triggers.js';
import { notificationFor } from './triggers.js';
import type { DeliveryResult, WebhookOptions } from './webhook.js';
import { postWebhook } from './webhook.js';

/** Options of {@link startNotifier}. */
export interface NotifierOptions {
  config: Config;
  /** The milestone as it is now (read from the store after each event). */
  read: () => MilestoneState | undefined;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Prints the line for a person; `bell` asks for the terminal bell with it. */
  say: (line: string, bell: boolean) => void;
  /** Test knobs for the webhook's retries. */
  webhook?: WebhookOptions;
}

/** Sends notifications as the run records events; `close()` gives pending webhooks a moment. */
export interface Notifier {
  reporter: Reporter;
  /** Notifications sent so far (redacted, as delivered). */
  sent: Notification[];
  /** Waits up to `waitMs` for webhook deliveries, then stops their retries. */
  close(waitMs?: number): Promise<void>;
}

/**
 * Watches the run's events for the moments a person is needed (conflict, review gate, budget,
 * parked task, failed, completed) and tells them: a line with the terminal bell, a desktop
 * notification where `notify-send` exists, and the configured webhook. The webhook is posted
 * in the background and never delays the run; secret-named environment values are masked.
 */
export function startNotifier(options: NotifierOptions): Notifier {
  const { config } = options;
  const secrets = secretValues(options.env, process.env);
  const pending = new Set<Promise<DeliveryResult>>();
  const stop = new AbortController();
  const sent: Notification[] = [];

  const notify = (raw: Notification) => {
    const notification: Notification = {
      ...raw,
      title: redact(raw.title, secrets),
      message: redact(raw.message, secrets),
    };
    sent.push(notification);
    options.say(
      `milestone: ${notification.kind.replace('_', ' ')}: ${notification.message}`,
      config.notify.bell,
    );
    if (config.notify.desktop) {
      desktopNotify(`milestone: ${notification.title}`, notification.message, {
        env: options.env,
        cwd: options.cwd,
        urgent: notification.kind !== 'completed',
      });
    }
    const url = config.notify.webhook;
    if (!url) return;
    const delivery = postWebhook(
      url,
      { source: 'milestone', version: 1, ...notification },
      {
        ...options.webhook,
        signal: stop.signal,
      },
    );
    pending.add(delivery);
    void delivery.then((result) => {
      pending.delete(delivery);
      if (!result.ok && !stop.signal.aborted)
        options.say(
          `milestone: warning: webhook for "${notification.kind}" not delivered after ${result.attempts} tries (${result.error})`,
          false,
        );
    });
  };

  return {
    sent,
    reporter: {
      onEvent: (event) => {
        if (event.type !== 'task_status' && event.type !== 'milestone_status') return;
        const state = options.read();
        if (!state) return;
        const notification = notificationFor(event, state, config);
        if (notification) notify(notification);
      },
    },
    close: async (waitMs = 3000) => {
      if (pending.size > 0) {
        const timer = new AbortController();
        await Promise.race([
          Promise.allSettled([...pending]),
          sleep(waitMs, undefined, { signal: timer.signal }).catch(() => undefined),
        ]);
        timer.abort();
      }
      stop.abort();
      await Promise.allSettled([...pending]);
    },
  };
}
