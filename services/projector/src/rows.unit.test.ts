import type { ConversationEvent } from '@cpm/domain';
import { projectionRows, type ProjectedRecord } from './rows';
import { sampleEvent, sampleMessage } from '@cpm/testkit';

const at = (offset: number, event: ConversationEvent): ProjectedRecord => ({
  kind: 'event',
  event,
  position: { log_topic: 'conversation.events.v1', log_partition: 1, log_offset: String(offset) },
});

describe('projectionRows', () => {
  const records = [
    at(10, sampleEvent({ eventId: 'a', type: 'CONVERSATION_STARTED' }, 1000)),
    at(
      11,
      sampleEvent(
        {
          eventId: 'b',
          type: 'CONTACT_UPDATED',
          contact: {
            id: 'contact1',
            displayName: 'Unknown',
            identities: [],
            mergedFromContactId: null,
          },
        },
        2000,
      ),
    ),
    at(
      12,
      sampleEvent(
        {
          eventId: 'c',
          type: 'MESSAGE_RECEIVED',
          message: sampleMessage({ id: 'm1', text: 'hi' }),
          attachedData: {
            entries: { k: 'v' },
            status: 'OK',
            reason: null,
            source: 'MESSAGE_METADATA',
          },
        },
        3000,
      ),
    ),
    at(
      13,
      sampleEvent(
        {
          eventId: 'd',
          type: 'CHANNEL_CORRECTED',
          message: sampleMessage({ id: 'm1', text: 'audit copy' }),
        },
        3000,
      ),
    ),
    at(14, sampleEvent({ eventId: 'e', type: 'CONVERSATION_STOPPED' }, 4000)),
  ];

  it('collapses a batch to one row per key, merging field by field, with the last log position', () => {
    const rows = projectionRows(records);
    expect(rows.conversations).toEqual([
      expect.objectContaining({
        conversation_id: 'conv1',
        state: 'ENDED',
        started_at: new Date(1000).toISOString(),
        ended_at: new Date(4000).toISOString(),
        attached_data: '{"k":"v"}',
        log_offset: '14',
      }),
    ]);
    // The placeholder name `Unknown` is not a name; the first sighting is kept.
    expect(rows.customers).toEqual([
      expect.objectContaining({
        customer_key: 'app1:contact1',
        display_name: null,
        first_seen_at: new Date(1000).toISOString(),
        log_offset: '14',
      }),
    ]);
    // CHANNEL_CORRECTED only audits another event: it makes no message row.
    expect(rows.messages).toEqual([
      expect.objectContaining({
        message_id: 'm1',
        text: 'hi',
        author: 'CUSTOMER',
        log_offset: '12',
      }),
    ]);
  });

  it('gives the same rows whatever the cut of the log into batches, once merged the same way', () => {
    const whole = projectionRows(records);
    const parts = [projectionRows(records.slice(0, 2)), projectionRows(records.slice(2))];
    expect(parts[1]!.messages).toEqual(whole.messages);
    expect(parts[1]!.conversations[0]!.state).toBe(whole.conversations[0]!.state);
  });
  it('gives the same rows whatever the order of the records (partitions interleave differently live and in a rebuild)', () => {
    const permutations = <T>(xs: T[]): T[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) =>
            permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
          );
    const byKey = (rows: ReturnType<typeof projectionRows>) =>
      Object.fromEntries(
        Object.entries(rows).map(([table, list]) => [
          table,
          [...(list as object[])].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
        ]),
      );
    const expected = byKey(projectionRows(records));
    for (const order of permutations(records))
      expect(byKey(projectionRows(order))).toEqual(expected);
  });
});
