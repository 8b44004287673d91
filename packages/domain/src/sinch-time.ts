/**
 * Sinch timestamps are ISO-8601 strings, sometimes with nanoseconds
 * (`2024-06-06T14:42:42.429455346Z`). We accept only the ISO form (Date.parse alone would
 * read `"1"` as the year 2001) and keep millisecond precision.
 */
const ISO_8601 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/;

/** ECMAScript's Date range; beyond it toISOString throws. */
const MAX_DATE_MS = 8.64e15;

/** Epoch millis of a Sinch time, or null when absent or not ISO-8601. */
export function sinchTimeToMs(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = ISO_8601.exec(value.trim());
  if (!match) return null;
  const [, main, fraction, zone] = match;
  const ms = Date.parse(`${main}${fraction ? `.${fraction.slice(0, 3)}` : ''}${zone}`);
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : null;
}

export const msToIso = (ms: number): string => new Date(ms).toISOString();
