import { createHash } from 'node:crypto';
import type { Plan } from '../core/types.js';

/**
 * JSON with object keys sorted at every level and no whitespace: the same data gives the same
 * text whatever order its keys were built in. `undefined` members are left out, as JSON does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(member).sort()) sorted[key] = (member as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * `sha256` (hex) of the plan's canonical JSON: planning artifacts carry it, so a later step can
 * tell whether they were made from the plan as it is now.
 */
export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}
