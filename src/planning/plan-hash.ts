import { createHash } from 'node:crypto';
import type { Plan } from '../core/types.js';

/**
 * JSON with object keys sorted at every level and no whitespace: the same data gives the same
 * text whatever order its keys were built in. `undefined` members are left out, as JSON does.
 */
export function canonicalJson(value: unknown): string {
  // Written directly for plain data (a plan: objects, arrays, strings, numbers, booleans,
  // null): no sorted copy of every object. Anything else takes the replacer (same text).
  const parts: string[] = [];
  return writeCanonical(value, parts) ? parts.join('') : canonicalJsonByReplacer(value);
}

/** {@link canonicalJson} through `JSON.stringify`'s replacer: any value, slower. */
export function canonicalJsonByReplacer(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(member).sort()) sorted[key] = (member as Record<string, unknown>)[key];
    return sorted;
  });
}

/** Appends the canonical JSON of a plain value; `false` (parts then unusable) for anything else. */
function writeCanonical(value: unknown, parts: string[]): boolean {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    parts.push(JSON.stringify(value));
    return true;
  }
  if (typeof value === 'number') {
    parts.push(JSON.stringify(value));
    return true;
  }
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    parts.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) parts.push(',');
      const item: unknown = value[i];
      // JSON writes a missing, undefined or function item of an array as null.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') parts.push('null');
      else if (!writeCanonical(item, parts)) return false;
    }
    parts.push(']');
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return false;
  const record = value as Record<string, unknown>;
  parts.push('{');
  let first = true;
  for (const key of sortedKeys(record)) {
    const member = record[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    parts.push(first ? '' : ',', JSON.stringify(key), ':');
    first = false;
    if (!writeCanonical(member, parts)) return false;
  }
  parts.push('}');
  return true;
}

/**
 * `sha256` (hex) of the plan's canonical JSON: planning artifacts carry it, so a later step can
 * tell whether they were made from the plan as it is now.
 */
export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

/**
 * The keys in the order the replacer's sorted copy has them: an object lists its integer keys
 * first, ascending (`Object.keys` already does), then the others in insertion order (sorted).
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  let integers = 0;
  while (integers < keys.length && isArrayIndex(keys[integers]!)) integers++;
  if (integers === 0) return keys.sort();
  return keys.slice(0, integers).concat(keys.slice(integers).sort());
}

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (!(first >= 48 && first <= 57)) return false; // not a digit: the common case, no regex
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 4_294_967_295;
}
