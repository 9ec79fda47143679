import { z } from 'zod';

/** Who is told when a run needs a person (config `notify`, docs/notifications.md). */
export interface NotifyConfig {
  /** URL receiving a POST of a small JSON document per notification; `null` = none. */
  webhook: string | null;
  /** Ring the terminal bell with the line. */
  bell: boolean;
  /** A desktop notification through `notify-send` where it exists. */
  desktop: boolean;
}

function httpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The `notify` section of `.milestones/config.yaml`. */
export const notifySchema = z
  .strictObject({
    webhook: z.string().refine(httpUrl, 'must be an http:// or https:// URL').nullable().default(null),
    bell: z.boolean().default(true),
    desktop: z.boolean().default(true),
  })
  .default({ webhook: null, bell: true, desktop: true });
