/** Tolerant readers for untrusted JSON: a wrong type reads as absent, never throws. */
export type Obj = Record<string, unknown>;

export const isObj = (value: unknown): value is Obj =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
export const obj = (value: unknown): Obj => (isObj(value) ? value : {});
/** A string, or '' when absent or not a string. */
export const str = (value: unknown): string => (typeof value === 'string' ? value : '');
/** A non-empty string, or null. */
export const optStr = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;
export const optNum = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
/** An array, or [] when absent or not an array. */
export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** JSON text parsed, or null when there is none or it is not JSON. */
export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/**
 * JSON text with object keys sorted at every level, so that two equal values give the
 * same text whatever the key order or whitespace of the bytes they came from.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObj(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
