import { attachedDataOf } from './attached-data';
import { normalizeWebhook } from './normalize';
import { inbound, rawInput } from '@cpm/testkit';

describe('attached data (docs/DOMAIN.md#attached-data)', () => {
  const received = (metadata: string, topLevelMetadata: string) =>
    normalizeWebhook(
      rawInput(inbound({ id: 'm1', channel: 'WHATSAPP', metadata, topLevelMetadata })),
    )[0]!.attachedData;

  it('takes message.metadata first', () => {
    expect(received('{"case":"42"}', '{"case":"7","queue":"vip"}')).toEqual({
      entries: { case: '42' },
      status: 'OK',
      reason: null,
      source: 'MESSAGE_METADATA',
    });
  });

  it('falls back to top-level message_metadata when message.metadata is absent', () => {
    expect(received('', '{"queue":"vip"}')).toEqual({
      entries: { queue: 'vip' },
      status: 'OK',
      reason: null,
      source: 'TOP_LEVEL_MESSAGE_METADATA',
    });
  });

  it('does not attach invalid JSON, says why, and still emits the message', () => {
    const [event] = normalizeWebhook(
      rawInput(inbound({ id: 'm1', metadata: '{"case":', topLevelMetadata: '' })),
    );
    expect(event!.attachedData).toEqual({
      entries: {},
      status: 'INVALID',
      reason: 'message.metadata: not valid JSON',
      source: 'MESSAGE_METADATA',
    });
    expect(event!.message!.text).toBe('hi');
  });

  it('uses a valid fallback when the preferred field is not key-value, and records why', () => {
    expect(received('free channel text', '{"queue":"vip"}')).toEqual({
      entries: { queue: 'vip' },
      status: 'OK',
      reason: 'message.metadata ignored: not valid JSON',
      source: 'TOP_LEVEL_MESSAGE_METADATA',
    });
  });

  it('is ABSENT when neither field holds anything', () => {
    expect(received('', '  ')).toEqual({
      entries: {},
      status: 'ABSENT',
      reason: null,
      source: 'NONE',
    });
  });

  it.each([
    ['[1,2]', 'message.metadata: JSON is an array, not an object'],
    ['"text"', 'message.metadata: JSON is a string, not an object'],
    ['null', 'message.metadata: JSON is null, not an object'],
  ])('refuses JSON that is not an object: %s', (metadata, reason) => {
    expect(attachedDataOf(metadata, undefined)).toMatchObject({ status: 'INVALID', reason });
  });

  it('turns scalar values into strings and nested values into JSON text', () => {
    const data = attachedDataOf(
      '{"n":3,"b":true,"z":null,"o":{"a":[1]},"l":["x"],"s":"v"}',
      undefined,
    );
    expect(data.entries).toEqual({ n: '3', b: 'true', z: '', o: '{"a":[1]}', l: '["x"]', s: 'v' });
  });

  it('keeps a __proto__ key as a plain key', () => {
    const data = attachedDataOf('{"__proto__":"x"}', undefined);
    expect(Object.keys(data.entries)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(data.entries)).toBe(Object.prototype);
  });
});
