/** A JSON object read from one line of an agent's stream; fields are checked where used. */
export type JsonObject = Record<string, unknown>;

/**
 * Reads one stdout line as a JSON object; `null` for anything else (plain text, arrays,
 * broken JSON), which the adapters treat as noise: it is in the attempt log anyway.
 */
export function parseJsonLine(line: string): JsonObject | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

/** Whether `value` is a plain JSON object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` as an object, or an empty one. */
export function objectAt(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

/** `value` as a non-empty string, or `undefined`. */
export function stringAt(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `value` as a finite number, or `undefined`. */
export function numberAt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `value` as an array, or an empty one. */
export function arrayAt(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
