import { partitionLags, ReadinessTracker } from './consumer-health';

describe('ReadinessTracker', () => {
  const stateful = () => new ReadinessTracker({ restores: true, fetchStallMs: 1_000 });

  it('is not ready before the group is joined, nor before the state is restored, and ready after both', () => {
    const t = stateful();
    expect(t.check(0)).toEqual({
      ready: false,
      reason: 'the consumer has not joined its group yet',
    });
    t.joined(0);
    expect(t.check(0)).toEqual({
      ready: false,
      reason: 'restoring the state after joining the group',
    });
    const done = t.restoring();
    expect(t.check(10).ready).toBe(false);
    expect(done(10)).toBe(true);
    expect(t.check(10)).toEqual({ ready: true });
  });

  it('counts the restore of a join whichever of the two it hears first', () => {
    const t = stateful();
    const done = t.restoring(); // the owner's GROUP_JOIN listener ran first
    t.joined(0);
    expect(t.check(0).ready).toBe(false);
    done(5);
    expect(t.check(5).ready).toBe(true);
  });

  it('needs no restore for a consumer that keeps none', () => {
    const t = new ReadinessTracker({ restores: false, fetchStallMs: 1_000 });
    t.joined(0);
    expect(t.check(0)).toEqual({ ready: true });
  });

  it('a restore started before a later join, crash or rebalance does not make the consumer ready', () => {
    const t = stateful();
    t.joined(0);
    const first = t.restoring();
    t.joining('the group is rebalancing');
    t.joined(10);
    const second = t.restoring();
    expect(first(20)).toBe(false);
    expect(t.check(20)).toEqual({
      ready: false,
      reason: 'restoring the state after joining the group',
    });
    t.crashed('boom', true);
    expect(second(30)).toBe(false);
    expect(t.check(30)).toEqual({
      ready: false,
      reason: 'the consumer crashed and kafkajs restarts it: boom',
    });
  });

  it('a failed restore keeps the consumer not ready and says why, until a restore succeeds', () => {
    const t = stateful();
    t.joined(0);
    expect(t.restoring()(1, new Error('broker away'))).toBe(true);
    expect(t.check(1)).toEqual({
      ready: false,
      reason: 'restoring the state failed (it is retried): broker away',
    });
    t.restoring()(2);
    expect(t.check(2).ready).toBe(true);
  });

  it('is not ready after a crash until the next join, with or without a restart by kafkajs', () => {
    const t = stateful();
    t.joined(0);
    t.restoring()(0);
    t.crashed('not a member', false);
    expect(t.check(0)).toEqual({ ready: false, reason: 'the consumer crashed: not a member' });
    t.joining('a new consumer replaces the crashed one');
    expect(t.check(0)).toEqual({ ready: false, reason: 'a new consumer replaces the crashed one' });
    t.joined(100);
    t.restoring()(100);
    expect(t.check(100).ready).toBe(true);
  });

  it('is not ready once no fetch has been answered for longer than the bound, and ready again at the next one', () => {
    const t = stateful();
    t.joined(0);
    t.restoring()(0);
    t.fetched(500);
    expect(t.check(1_500).ready).toBe(true);
    expect(t.check(1_501)).toEqual({
      ready: false,
      reason: 'no fetch answered for 1001 ms (more than 1000 ms)',
    });
    t.fetched(1_600);
    expect(t.check(1_700).ready).toBe(true);
  });

  it('the stall clock starts when the restore ends, not at the join', () => {
    const t = stateful();
    t.joined(0);
    const done = t.restoring();
    done(5_000); // a long restore: no fetch meanwhile
    expect(t.check(5_500).ready).toBe(true);
  });

  it('is not ready once stopped, whatever comes after from the old consumer', () => {
    const t = stateful();
    t.joined(0);
    const done = t.restoring();
    t.stopped();
    done(1);
    t.fetched(2);
    expect(t.check(2)).toEqual({ ready: false, reason: 'the consumer stopped' });
  });
});

describe('partitionLags', () => {
  const ends = new Map([
    ['a:0', { low: 0n, high: 100n }],
    ['a:1', { low: 40n, high: 50n }],
    ['b:0', { low: 0n, high: 7n }],
  ]);

  it('is the end minus the committed offset of each assigned partition', () => {
    const lags = partitionLags(
      new Map([
        ['a', [0, 1]],
        ['b', [0]],
      ]),
      ends,
      new Map([
        ['a:0', 60n],
        ['a:1', 50n],
        ['b:0', 2n],
      ]),
    );
    expect(lags).toEqual([
      { topic: 'a', partition: 0, lag: 40 },
      { topic: 'a', partition: 1, lag: 0 },
      { topic: 'b', partition: 0, lag: 5 },
    ]);
  });

  it('counts from the log start for a partition without a committed offset, or one below the start', () => {
    const lags = partitionLags(new Map([['a', [0, 1]]]), ends, new Map([['a:1', 10n]]));
    expect(lags).toEqual([
      { topic: 'a', partition: 0, lag: 100 },
      { topic: 'a', partition: 1, lag: 10 },
    ]);
  });

  it('counts the markers after the last batch processed as consumed; an older batch end does not move the consumer back', () => {
    const assigned = new Map([['a', [0, 1]]]);
    const committed = new Map([
      ['a:0', 99n], // the last record was 98; 99 is a transaction marker
      ['a:1', 45n],
    ]);
    const passed = new Map([
      ['a:0', 100n],
      ['a:1', 42n], // the end of a batch before the records committed since
    ]);
    expect(partitionLags(assigned, ends, committed, passed)).toEqual([
      { topic: 'a', partition: 0, lag: 0 },
      { topic: 'a', partition: 1, lag: 5 },
    ]);
  });

  it('leaves out the partitions not assigned and those whose end is unknown', () => {
    expect(partitionLags(new Map([['c', [0]]]), ends, new Map())).toEqual([]);
    expect(partitionLags(new Map(), ends, new Map())).toEqual([]);
  });
});
