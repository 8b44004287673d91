import fc from 'fast-check';
import { UnparseableWebhookError } from './errors';
import { normalizeWebhook } from './normalize';
import { avroErrors, callbackFixtures, rawInput } from '@cpm/testkit';

/**
 * Fuzzing of the callback parser from whole callbacks (the project's fixtures, one per trigger): each case takes a fixture and
 * mutates 1 to 4 of its fields (a wrong type, a removed key, a huge or odd string, a deep
 * nest), so the parser meets what a buggy or hostile sender could make of a real callback.
 * Complements normalize.property.unit.test.ts (which starts from arbitrary JSON).
 * FUZZ_RUNS sets the cases of each property (long mode: FUZZ_RUNS=100000).
 */
const numRuns = Number(process.env.FUZZ_RUNS ?? 1500);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

const FIXTURES = callbackFixtures().map(({ body }) => JSON.parse(body.toString('utf8')) as Json);

/** Every path to a value inside a fixture (the root excluded). */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}
const PATHS = FIXTURES.map((f) => pathsOf(f));

const nested = (depth: number): Json => (depth === 0 ? 'bottom' : { n: nested(depth - 1) });
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\uD800',
    '\uDFFF',
    '\uFEFF',
    '\u0000',
    '\u202Eevil',
    '👩‍👩‍👧‍👦',
    '',
    ' ',
    'null',
    '1e400',
    '-0',
    '2024-13-45T99:99:99Z',
  ),
  fc.integer({ min: 1, max: 200_000 }).map((n) => 'x'.repeat(n)),
);
/** What replaces a field: any JSON, odd strings, numbers out of range, deep nests, or nothing. */
const replacement: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  oddString,
  fc.constantFrom(null, true, 0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, [], {}),
  fc.integer({ min: 50, max: 1000 }).map(nested),
  fc.constant(undefined), // the key is removed
);

/** Sets (or removes) the value at `path` in place; a path that a previous mutation removed is skipped. */
function mutate(root: Json, path: Path, value: Json | undefined): void {
  let parent = root as Record<string | number, Json> | null;
  for (const step of path.slice(0, -1)) {
    const next: Json | undefined = parent?.[step];
    parent =
      next !== null && typeof next === 'object' ? (next as Record<string | number, Json>) : null;
  }
  if (parent === null) return;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = structuredClone(value); // generated values may be shared instances
}

const mutatedFixture = fc
  .integer({ min: 0, max: FIXTURES.length - 1 })
  .chain((i) =>
    fc.tuple(
      fc.constant(i),
      fc.array(fc.tuple(fc.nat(), replacement), { minLength: 1, maxLength: 4 }),
      fc.constantFrom('', '\uFEFF', '\n', '  '), // prefix bytes that a sender may add
    ),
  )
  .map(([i, mutations, prefix]) => {
    const body = structuredClone(FIXTURES[i]!);
    const paths = PATHS[i]!;
    for (const [pick, value] of mutations) mutate(body, paths[pick % paths.length]!, value);
    return Buffer.from(prefix + JSON.stringify(body));
  });

describe('callback parser fuzzing from the callback fixtures', () => {
  it('has fixtures to mutate', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(20);
    expect(PATHS.every((p) => p.length > 0)).toBe(true);
  });

  it('never throws (a mutated object is still an object), emits schema-valid events, and is deterministic', () => {
    fc.assert(
      fc.property(mutatedFixture, (body) => {
        let first: unknown;
        try {
          first = normalizeWebhook(rawInput(body));
        } catch (error) {
          // Only a body that is not a JSON object may be refused, and only with the typed error.
          if (!(error instanceof UnparseableWebhookError)) throw error;
          return (
            body
              .toString('utf8')
              .trimStart()
              .replace(/^\uFEFF/, '')
              .startsWith('{') === false
          );
        }
        const events = first as ReturnType<typeof normalizeWebhook>;
        if (events.length === 0) return false; // nothing is silently dropped
        for (const event of events) {
          const errors = avroErrors('conversation.events.v1.avsc', event);
          if (errors.length > 0)
            throw new Error(`schema violation: ${errors.slice(0, 3).join('; ')}`);
        }
        expect(normalizeWebhook(rawInput(body))).toEqual(events);
        return true;
      }),
      { numRuns },
    );
  });
});
