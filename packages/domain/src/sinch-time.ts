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

/** The end of year 9999 (UTC), epoch ms: below it an ISO year has 4 digits. */
const YEAR_10000_MS = 253_402_300_800_000;
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()`, computed: every conversation event carries two of these, and
 * the builtin (a Date, then V8's date cache) cost 2.4 times as much (bench/RESULTS.md
 * "Profiles"). Whole ms from 1970 to 9999 (what Sinch and Kafka times are); anything else
 * goes to the builtin. Days → civil date: Howard Hinnant's `civil_from_days`.
 */
export function msToIso(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < YEAR_10000_MS)) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const z = days + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097); // 400-year eras
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // March = 0
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(millis)}Z`;
}
