import type { AttachedData, AttachedDataSource } from '@cpm/contracts';
import { isObj } from './json';

/**
 * Attached data (docs/DOMAIN.md#attached-data): Contact Pro stores conversation metadata as key-value
 * attached data. `message.metadata` is preferred, top-level `message_metadata` is the
 * backward-compatible fallback. Each must be a string holding a JSON object.
 *
 * Choices (documented in the README):
 * - Values: strings stay as they are; numbers and booleans become their JSON text
 *   (`3`, `true`); null becomes ''; nested objects and arrays become their JSON text, so
 *   nothing is lost and the map stays string → string.
 * - When the preferred field is present but invalid and the fallback is a valid object,
 *   the fallback is used and `reason` says why the preferred one was skipped (on MOs
 *   `message.metadata` may legitimately hold a channel's free text). When no candidate
 *   is valid, status INVALID with the first candidate's reason; the message is still
 *   emitted.
 */
export function attachedDataOf(messageMetadata: unknown, topLevelMetadata: unknown): AttachedData {
  const candidates: Array<[AttachedDataSource, unknown]> = [
    ['MESSAGE_METADATA', messageMetadata],
    ['TOP_LEVEL_MESSAGE_METADATA', topLevelMetadata],
  ];
  const present = candidates.filter(([, raw]) => !isBlank(raw));
  let firstFailure: { source: AttachedDataSource; reason: string } | null = null;
  for (const [source, raw] of present) {
    const parsed = parseKeyValue(raw);
    if ('entries' in parsed) {
      const reason = firstFailure
        ? `${describe(firstFailure.source)} ignored: ${firstFailure.reason}`
        : null;
      return { entries: parsed.entries, status: 'OK', reason, source };
    }
    firstFailure ??= { source, reason: parsed.reason };
  }
  if (firstFailure)
    return {
      entries: {},
      status: 'INVALID',
      reason: `${describe(firstFailure.source)}: ${firstFailure.reason}`,
      source: firstFailure.source,
    };
  return { entries: {}, status: 'ABSENT', reason: null, source: 'NONE' };
}

const isBlank = (raw: unknown): boolean =>
  raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');

const describe = (source: AttachedDataSource): string =>
  source === 'MESSAGE_METADATA' ? 'message.metadata' : 'message_metadata';

function parseKeyValue(raw: unknown): { entries: Record<string, string> } | { reason: string } {
  if (typeof raw !== 'string')
    return {
      reason: `expected a string holding a JSON object, got ${Array.isArray(raw) ? 'array' : typeof raw}`,
    };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { reason: 'not valid JSON' };
  }
  if (!isObj(parsed))
    return {
      reason: `JSON is ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`}, not an object`,
    };
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return {
    entries: Object.fromEntries(
      Object.entries(parsed).map(([key, value]) => [key, valueText(value)]),
    ),
  };
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  return JSON.stringify(value);
}
