import fc from 'fast-check';
import {
  itemKey,
  StateChangelog,
  type ChangelogList,
  type ChangelogRecord,
} from './state-changelog';

interface Item {
  id: string;
  text: string;
}
interface State {
  name: string | null;
  items: Item[];
  ids: string[];
}
const initial = (): State => ({ name: null, items: [], ids: [] });
const lists = [
  {
    name: 'item',
    get: (s) => s.items,
    with: (s, items) => ({ ...s, items }),
    id: (i) => i.id,
  } satisfies ChangelogList<State, Item>,
  {
    name: 'id',
    get: (s) => s.ids,
    with: (s, ids) => ({ ...s, ids }),
    id: (id) => id,
  } satisfies ChangelogList<State, string>,
];

/** What a handler does to a value: the same shapes as agent-events' and the normalizer's lists. */
type Op =
  | { kind: 'name'; name: string }
  | { kind: 'remember'; id: string; text: string }
  | { kind: 'forget'; id: string }
  | { kind: 'id'; id: string };
const CAP = 5;
function apply(s: State, op: Op): State {
  switch (op.kind) {
    case 'name':
      return { ...s, name: op.name };
    case 'remember': // agent-events' `remember`: a known id moves to the end with its new content
      return {
        ...s,
        items: [...s.items.filter((i) => i.id !== op.id), { id: op.id, text: op.text }].slice(-CAP),
      };
    case 'forget': // removed from anywhere, the end included
      return { ...s, items: s.items.filter((i) => i.id !== op.id) };
    case 'id': // the normalizer's dedup: new ids only, the oldest dropped
      return s.ids.includes(op.id) ? s : { ...s, ids: [...s.ids, op.id].slice(-CAP) };
  }
}

function restore(
  changelog: StateChangelog<State>,
  records: ChangelogRecord[],
): Map<string, State | null> {
  const restoring = changelog.restore(initial);
  for (const r of records) restoring.read(r.key, r.value);
  return new Map(restoring.values());
}

/** What compaction leaves: the last record of each key, in log order. */
function compacted(records: ChangelogRecord[]): ChangelogRecord[] {
  const last = new Map<string, number>();
  records.forEach((r, i) => last.set(r.key, i));
  return records.filter((r, i) => last.get(r.key) === i);
}

describe('StateChangelog (lists kept item by item)', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('name' as const), name: fc.string({ maxLength: 3 }) }),
    fc.record({
      kind: fc.constant('remember' as const),
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', '"\u001f:'),
      text: fc.string({ maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('forget' as const), id: fc.constantFrom('a', 'b', 'c') }),
    fc.record({ kind: fc.constant('id' as const), id: fc.string({ maxLength: 2 }) }),
  );
  // Batches of operations on a few keys; one transaction per batch.
  const batches = fc.array(
    fc.array(fc.tuple(fc.constantFrom('k1', 'k2', 'k"\u0000\u001f'), op), {
      minLength: 1,
      maxLength: 6,
    }),
    {
      minLength: 1,
      maxLength: 12,
    },
  );

  // Values some keys had in records written whole, before the lists were split off.
  const wholeValues = fc.dictionary(
    fc.constantFrom('k1', 'k2'),
    fc.array(op, { maxLength: 8 }).map((ops) => ops.reduce(apply, initial())),
  );

  it('restores, from the records written so far, compacted or not, exactly the values committed', () => {
    fc.assert(
      fc.property(wholeValues, batches, (whole, txs) => {
        const log: ChangelogRecord[] = Object.entries(whole).map(([key, value]) => ({
          key,
          value: JSON.stringify(value),
        }));
        const changelog = new StateChangelog<State>(lists);
        const committed = new Map<string, State>();
        for (const [key, value] of restore(changelog, log)) if (value) committed.set(key, value);
        for (const tx of txs) {
          const staged = new Map<string, State>();
          for (const [key, o] of tx)
            staged.set(key, apply(staged.get(key) ?? committed.get(key) ?? initial(), o));
          for (const [key, after] of staged)
            log.push(...changelog.write(key, committed.get(key), after));
          changelog.committed(staged.keys());
          for (const [key, after] of staged) committed.set(key, after);
          expect(restore(new StateChangelog<State>(lists), log)).toEqual(committed);
          expect(restore(new StateChangelog<State>(lists), compacted(log))).toEqual(committed);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes one item and one tombstone for a new item of a full list, and no header when only the list changed', () => {
    const changelog = new StateChangelog<State>(lists);
    let before = initial();
    for (const id of ['a', 'b', 'c', 'd', 'e'])
      before = apply(before, { kind: 'remember', id, text: id });
    const after = apply(before, { kind: 'remember', id: 'f', text: 'new' });
    expect(changelog.write('k', before, after)).toEqual([
      { key: itemKey('k', 'item', 'a'), value: null },
      { key: itemKey('k', 'item', 'f'), value: JSON.stringify({ id: 'f', text: 'new' }) },
    ]);
    // A changed item moves to the end: written again, no tombstone for it.
    expect(
      changelog.write('k', after, apply(after, { kind: 'remember', id: 'c', text: 'edited' })),
    ).toEqual([
      { key: itemKey('k', 'item', 'c'), value: JSON.stringify({ id: 'c', text: 'edited' }) },
    ]);
    // The header alone when only it changed.
    expect(changelog.write('k', after, { ...after, name: 'Ada' })).toEqual([
      { key: 'k', value: JSON.stringify({ name: 'Ada', items: [], ids: [] }) },
    ]);
  });

  it('reads a value written whole (before its lists were split off) and writes all of its items once after that', () => {
    const whole: State = { name: 'Ada', items: [{ id: 'a', text: 'x' }], ids: ['e1', 'e2'] };
    const log: ChangelogRecord[] = [{ key: 'k', value: JSON.stringify(whole) }];
    const changelog = new StateChangelog<State>(lists);
    expect(restore(changelog, log).get('k')).toEqual(whole);
    const next = apply(whole, { kind: 'id', id: 'e3' });
    const written = changelog.write('k', whole, next);
    expect(written.map((r) => r.key)).toEqual([
      'k',
      itemKey('k', 'item', 'a'),
      itemKey('k', 'id', 'e1'),
      itemKey('k', 'id', 'e2'),
      itemKey('k', 'id', 'e3'),
    ]);
    changelog.committed(['k']);
    const last = apply(next, { kind: 'id', id: 'e4' });
    const more = changelog.write('k', next, last);
    expect(more).toEqual([{ key: itemKey('k', 'id', 'e4'), value: JSON.stringify('e4') }]);
    expect(
      restore(new StateChangelog<State>(lists), compacted([...log, ...written, ...more])).get('k'),
    ).toEqual(last);
  });

  it('keeps an item of a whole record dropped by the first write dropped, also before compaction', () => {
    const whole = ['e1', 'e2', 'e3', 'e4', 'e5'].reduce(
      (s, id) => apply(s, { kind: 'id', id }),
      initial(),
    );
    const log: ChangelogRecord[] = [{ key: 'k', value: JSON.stringify(whole) }];
    const changelog = new StateChangelog<State>(lists);
    restore(changelog, log);
    const next = apply(whole, { kind: 'id', id: 'e6' }); // e1 drops off the full list
    log.push(...changelog.write('k', whole, next));
    expect(next.ids).toEqual(['e2', 'e3', 'e4', 'e5', 'e6']);
    expect(restore(new StateChangelog<State>(lists), log).get('k')).toEqual(next);
    expect(restore(new StateChangelog<State>(lists), compacted(log)).get('k')).toEqual(next);
  });

  it('writes a value whole when it has no lists, and a tombstone of a value drops its items', () => {
    expect(new StateChangelog<State>().write('k', undefined, initial())).toEqual([
      { key: 'k', value: JSON.stringify(initial()) },
    ]);
    const changelog = new StateChangelog<State>(lists);
    const value = apply(initial(), { kind: 'remember', id: 'a', text: 'x' });
    const restored = restore(changelog, [
      ...changelog.write('k', undefined, value),
      { key: 'k', value: null },
    ]);
    expect(restored.get('k')).toBeNull();
  });
});
