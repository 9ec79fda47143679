import { z } from 'zod';

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
    /** URL receiving a POST of a small JSON document per notification; `null` = none. */
    webhook: z.string().refine(httpUrl, 'must be an http:// or https:// URL').nullable().default(null),
    /** Ring the terminal bell with the line. */
    bell: z.boolean().default(true),
    /** A desktop notification through `notify-send` where it exists. */
    desktop: z.boolean().default(true),
  })
  .prefault({});
