/** What a handler sees of the state: its record's key's value, read and replaced. */
export interface StateView<S> {
  get(key: string): S;
  set(key: string, value: S): void;
}

/**
 * State per customer key, as a stateful processor sees it: reads fall through to the
 * committed state, writes are staged and become committed only when the Kafka transaction
 * that carries them (outputs, changelog, offsets) commits.
 *
 * Batches of different partitions are processed at once, so staging is per batch: `scope()`
 * gives a batch its view and records which keys it wrote; that batch's changes commit or roll
 * back alone. Keys never cross partitions (a customer key always maps to the same one).
 */
export class KeyedState<S> {
  private readonly committed = new Map<string, S>();
  private staged = new Map<string, S>();

  constructor(private readonly initial: () => S) {}

  get(key: string): S {
    return this.staged.get(key) ?? this.committed.get(key) ?? this.initial();
  }

  set(key: string, value: S): void {
    this.staged.set(key, value);
  }

  /** A view for one batch, recording the keys it writes. */
  scope(): StateScope<S> {
    return new StateScope(this);
  }

  /**
   * The staged changes of some keys (all with none given), for the changelog records of a
   * transaction: key, staged value, committed value (undefined when there is none).
   */
  changes(keys?: Iterable<string>): [string, S, S | undefined][] {
    const out: [string, S, S | undefined][] = [];
    for (const k of keys ?? this.staged.keys())
      if (this.staged.has(k)) out.push([k, this.staged.get(k)!, this.committed.get(k)]);
    return out;
  }

  commit(keys?: Iterable<string>): void {
    for (const k of keys ?? [...this.staged.keys()]) {
      if (!this.staged.has(k)) continue;
      this.committed.set(k, this.staged.get(k)!);
      this.staged.delete(k);
    }
  }

  rollback(keys?: Iterable<string>): void {
    if (!keys) this.staged = new Map();
    else for (const k of keys) this.staged.delete(k);
  }

  /** Restore: a value read back from the changelog. */
  load(key: string, value: S | null): void {
    if (value === null) this.committed.delete(key);
    else this.committed.set(key, value);
  }

  clear(): void {
    this.committed.clear();
    this.staged = new Map();
  }

  get size(): number {
    return this.committed.size;
  }
}

export class StateScope<S> implements StateView<S> {
  readonly keys = new Set<string>();
  constructor(private readonly state: KeyedState<S>) {}
  get(key: string): S {
    return this.state.get(key);
  }
  set(key: string, value: S): void {
    this.keys.add(key);
    this.state.set(key, value);
  }
  changes(): [string, S, S | undefined][] {
    return this.state.changes(this.keys);
  }
  commit(): void {
    this.state.commit(this.keys);
  }
  rollback(): void {
    this.state.rollback(this.keys);
  }
}
