import type { Plan } from '../core/types.js';
import { lazyCrypto } from '../store/lazy-crypto.js';

/**
 * JSON with object keys sorted at every level and no whitespace: the same data gives the same
 * text whatever order its keys were built in. `undefined` members are left out, as JSON does.
 */
export function canonicalJson(value: unknown): string {
  // For plain data (a plan: objects, arrays, strings, numbers, booleans, null), JSON.stringify
  // with every key of the value as its property list writes each object's keys in the list's
  // order: sorted, in one native pass (~10x faster than writing it here). Anything else, and a
  // `__proto__` key (the list makes JSON.stringify read it through every object's prototype),
  // takes the replacer (same text).
  const keys = new Set<string>();
  if (!collectKeys(value, keys) || keys.has('__proto__')) return canonicalJsonByReplacer(value);
  return JSON.stringify(value, sortedKeys([...keys]));
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

/** Adds the keys of every object in a plain value to `keys`; `false` for anything else. */
function collectKeys(value: unknown, keys: Set<string>): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    // A plan's arrays are mostly strings (needs, files): no call for an item that is not an object.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== null && typeof item === 'object' && !collectKeys(item, keys)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return false;
  const record = value as Record<string, unknown>;
  const own = Object.keys(record);
  for (let k = 0; k < own.length; k++) {
    const key = own[k]!;
    keys.add(key);
    const member: unknown = record[key];
    if (member !== null && typeof member === 'object' && !collectKeys(member, keys)) return false;
  }
  return true;
}

/**
 * `sha256` (hex) of the plan's canonical JSON: planning artifacts carry it, so a later step can
 * tell whether they were made from the plan as it is now.
 */
export function planHash(plan: Plan): string {
  return lazyCrypto().createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

/**
 * The keys in the order the replacer's sorted copy has them: an object lists its integer keys
 * first, ascending, then the others in insertion order (sorted).
 */
function sortedKeys(keys: string[]): string[] {
  const integers = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  const others = keys.filter((key) => !isArrayIndex(key)).sort();
  return integers.length === 0 ? others : integers.concat(others);
}

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (!(first >= 48 && first <= 57)) return false; // not a digit: the common case, no regex
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 4_294_967_295;
}
