/**
 * How a stateful processor's state is written to, and read back from, its changelog.
 *
 * A state value is one record (key = the customer key, value = its JSON), except for the
 * lists named in `lists`: each item of those is a record of its own
 * (`\u0000item:["<key>","<list>","<item id>"]`), and the value's own record (its header)
 * holds the value with those lists empty. A transaction then writes what changed: the new or
 * moved items, a tombstone per item dropped, and the header when it differs. Written whole,
 * a customer's value would be rewritten by every transaction that touches it: agent-events
 * remembers 500 messages per customer, about 100 KB of JSON rewritten for each new message
 * (measured in bench/e2e: hundreds of MiB of RSS and most of the CPU under a backlog).
 *
 * The lists must keep the shape the handlers give them: ids unique within a list, items
 * only appended at the end (a changed item is removed and appended again), removed from
 * anywhere. Items not changed by a batch must be the same objects (or equal strings) in
 * the value before and after it; otherwise they are written again, which is correct but
 * costs what splitting them off saves.
 *
 * Records written whole before a list was split off (a header with a non-empty list) are
 * read as the full lists; the first write of such a key after the restore writes its header
 * and then every item, which a restore reading the log before compaction (the whole record
 * still there) takes as a fresh start of the key's lists. A whole record with every list
 * empty reads like a header: harmless, as no item records precede it. Versions must not run
 * side by side across this change: the code before it reads a header as the whole value.
 */

/** A list inside a state value, kept in the changelog as one record per item. */
export interface ChangelogList<S, T = unknown> {
  /** Part of each item record's key: short and stable. */
  name: string;
  get(state: S): readonly T[];
  /** A copy of `state` with the list replaced. */
  with(state: S, items: T[]): S;
  /** Unique within the list. */
  id(item: T): string;
}

/** A list of any item type: what a processor names (each of its lists has its own). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each list has its own item type
export type AnyChangelogList<S> = ChangelogList<S, any>;

export interface ChangelogRecord {
  key: string;
  value: string | null;
}

export const ITEM_KEY = '\u0000item:';

/** The changelog key of one list item: JSON, so any customer key or item id round-trips. */
export const itemKey = (key: string, list: string, id: string): string =>
  `${ITEM_KEY}${JSON.stringify([key, list, id])}`;

export class StateChangelog<S> {
  /** Keys restored from a record written whole: their items are not in item records yet. */
  private wholeRecords = new Set<string>();
  private readonly lists: readonly ChangelogList<S>[];

  constructor(lists: readonly AnyChangelogList<S>[] = []) {
    this.lists = lists as readonly ChangelogList<S>[];
  }

  /** The records that take `key`'s changelog from `before` (the committed value; undefined for none) to `after`. */
  write(key: string, before: S | undefined, after: S): ChangelogRecord[] {
    if (this.lists.length === 0) return [{ key, value: JSON.stringify(after) }];
    const logged = this.wholeRecords.has(key) ? undefined : before;
    const out: ChangelogRecord[] = [];
    const header = JSON.stringify(this.header(after));
    if (logged === undefined || header !== JSON.stringify(this.header(logged)))
      out.push({ key, value: header });
    for (const list of this.lists)
      out.push(
        ...itemRecords(key, list, logged === undefined ? [] : list.get(logged), list.get(after)),
      );
    return out;
  }

  /** After the transaction carrying `keys`' records committed: their items are all in item records now. */
  committed(keys: Iterable<string>): void {
    if (this.wholeRecords.size > 0) for (const key of keys) this.wholeRecords.delete(key);
  }

  /** A restore: feed it the records read back, in log order, then take the values. */
  restore(initial: () => S): ChangelogRestore<S> {
    this.wholeRecords = new Set();
    return new ChangelogRestore(initial, this.lists, this.wholeRecords);
  }

  private header(state: S): S {
    return this.lists.reduce((s, list) => (list.get(s).length === 0 ? s : list.with(s, [])), state);
  }
}

export class ChangelogRestore<S> {
  private readonly headers = new Map<string, S | null>();
  /** key → list name → item id → item, in log order (Maps keep insertion order). */
  private readonly items = new Map<string, Map<string, Map<string, unknown>>>();

  constructor(
    private readonly initial: () => S,
    private readonly lists: readonly ChangelogList<S>[],
    private readonly wholeRecords: Set<string>,
  ) {}

  read(key: string, value: string | null): void {
    if (key.startsWith(ITEM_KEY)) {
      const [owner, list, id] = JSON.parse(key.slice(ITEM_KEY.length)) as [string, string, string];
      const byList = this.items.get(owner) ?? new Map<string, Map<string, unknown>>();
      this.items.set(owner, byList);
      const items = byList.get(list) ?? new Map<string, unknown>();
      byList.set(list, items);
      items.delete(id); // a rewritten item moves to the end
      if (value !== null) items.set(id, JSON.parse(value));
      return;
    }
    if (value === null) {
      this.headers.set(key, null);
      this.items.delete(key);
      return;
    }
    const header = JSON.parse(value) as S;
    this.headers.set(key, header);
    if (this.lists.some((list) => list.get(header).length > 0)) {
      // Written whole (before its lists were split off): the full lists at that point.
      this.items.set(
        key,
        new Map(
          this.lists.map((list) => [
            list.name,
            new Map(list.get(header).map((item) => [list.id(item), item])),
          ]),
        ),
      );
      this.wholeRecords.add(key);
    } else if (this.wholeRecords.delete(key)) {
      // The first write after a whole record: this header, then every item of the value.
      this.items.delete(key);
    }
  }

  /** Each key's restored value (null: deleted). */
  *values(): Iterable<[string, S | null]> {
    const keys = new Set([...this.headers.keys(), ...this.items.keys()]);
    for (const key of keys) {
      const header = this.headers.get(key);
      if (header === null) {
        yield [key, null];
        continue;
      }
      const byList = this.items.get(key);
      yield [
        key,
        this.lists.reduce(
          (s, list) => list.with(s, [...(byList?.get(list.name)?.values() ?? [])]),
          header ?? this.initial(),
        ),
      ];
    }
  }
}

/**
 * The item records that take a list from `before` to `after`: `after` is the items of
 * `before` that stay, in their order, then the new or changed ones. The longest start of
 * `after` that is such a subsequence of `before` (same objects) stays as it is; the rest is
 * written again, and the items of `before` neither kept nor written again get tombstones.
 */
function itemRecords<S, T>(
  key: string,
  list: ChangelogList<S, T>,
  before: readonly T[],
  after: readonly T[],
): ChangelogRecord[] {
  const dropped: T[] = [];
  let kept = 0;
  let j = 0;
  for (; kept < after.length; kept++, j++) {
    let match = j;
    while (match < before.length && before[match] !== after[kept]) match++;
    if (match === before.length) break;
    while (j < match) dropped.push(before[j++]!);
  }
  while (j < before.length) dropped.push(before[j++]!);
  const written = new Set<string>();
  for (let i = kept; i < after.length; i++) written.add(list.id(after[i]!));
  const out: ChangelogRecord[] = [];
  for (const item of dropped) {
    const id = list.id(item);
    if (!written.has(id)) out.push({ key: itemKey(key, list.name, id), value: null });
  }
  for (let i = kept; i < after.length; i++)
    out.push({ key: itemKey(key, list.name, list.id(after[i]!)), value: JSON.stringify(after[i]) });
  return out;
}
