/**
 * When a usage or rate limit opens again, read from what an agent printed. Pure: `now` is given.
 * Returns epoch milliseconds, or `undefined` when the text names no time.
 *
 * Forms read (each seen in an agent's output or documented by its vendor):
 * - Claude Code `Claude AI usage limit reached|1767225600` (epoch seconds after the bar);
 * - Claude Code `... limit reached · resets 3pm` / `resets 3:30pm` / `resets at 15:00` (next such
 *   local time);
 * - Codex `try again in 2 hours 5 minutes` / `try again in 4 days 3 hours 10 minutes`;
 * - Gemini and HTTP APIs `Please retry in 43.7s`, `"retryDelay": "43s"`, `retry after 120 seconds`.
 */
export function parseResetTime(text: string, now: number): number | undefined {
  const epoch = /limit reached\|(\d{9,11})\b/i.exec(text);
  if (epoch) return Number(epoch[1]) * 1000;
  const clock = /\bresets?(?: at)? (\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b/i.exec(text);
  if (clock && (clock[3] !== undefined || clock[2] !== undefined)) {
    return nextClockTime(now, Number(clock[1]), Number(clock[2] ?? 0), clock[3]?.toLowerCase());
  }
  const after =
    /(?:try again|retry|retry after|retrydelay)\W{0,4}(?:in |after )?((?:\d+(?:\.\d+)?\s*(?:days?|d|hours?|h|minutes?|mins?|m|seconds?|secs?|s)\b[\s,and]*)+)/i.exec(
      text,
    );
  if (after) {
    const ms = durationMs(after[1]!);
    if (ms > 0) return now + ms;
  }
  return undefined;
}

const UNIT_MS: Array<[RegExp, number]> = [
  [/^d(ays?)?$/i, 86_400_000],
  [/^h(ours?)?$/i, 3_600_000],
  [/^m(in(ute)?s?)?$/i, 60_000],
  [/^s(ec(ond)?s?)?$/i, 1000],
];

function durationMs(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/gi)) {
    const factor = UNIT_MS.find(([re]) => re.test(unit!))?.[1];
    if (factor !== undefined) total += Number(amount) * factor;
  }
  return Math.round(total);
}

/** The next time the local clock shows `hour:minute` (12-hour when `meridiem` is given). */
function nextClockTime(
  now: number,
  hour: number,
  minute: number,
  meridiem: string | undefined,
): number | undefined {
  let h = hour;
  if (meridiem === 'pm' && h < 12) h += 12;
  if (meridiem === 'am' && h === 12) h = 0;
  if (h > 23 || minute > 59) return undefined;
  const at = new Date(now);
  at.setHours(h, minute, 0, 0);
  if (at.getTime() <= now) at.setDate(at.getDate() + 1);
  return at.getTime();
}
