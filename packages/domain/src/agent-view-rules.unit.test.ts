import { type DeliveryReport, type DeliveryState, nextDeliveryState } from './delivery-status';
import { customerName } from './display-name';
import { WHATSAPP_WINDOW_MS, checkWhatsAppWindow } from './whatsapp-window';

describe('customerName (docs/DOMAIN.md#display-names)', () => {
  it.each([
    ['Ann', '+46700000000', { displayName: 'Ann', label: 'Ann' }],
    ['Unknown', '+46700000000', { displayName: null, label: '+46700000000' }],
    ['  ', 'PSID123', { displayName: null, label: 'PSID123' }],
    [null, 'IGSID9', { displayName: null, label: 'IGSID9' }],
  ])('%j / %s', (name, identity, expected) => {
    expect(customerName(name, identity)).toEqual(expected);
  });
});

describe('nextDeliveryState (docs/DOMAIN.md#delivery-status)', () => {
  const fold = (reports: DeliveryReport[]): DeliveryState | undefined =>
    reports.reduce<DeliveryState | undefined>((s, r) => nextDeliveryState(s, r), undefined);

  it.each([
    ['in order', ['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ'], 'READ', true],
    ['never back from READ', ['READ', 'DELIVERED', 'QUEUED_ON_CHANNEL'], 'READ', true],
    ['READ implies delivered', ['QUEUED_ON_CHANNEL', 'READ'], 'READ', true],
    ['never back from FAILED', ['FAILED', 'DELIVERED', 'READ'], 'FAILED', false],
    [
      'DELIVERED is not undone by a late QUEUED',
      ['DELIVERED', 'QUEUED_ON_CHANNEL'],
      'DELIVERED',
      true,
    ],
    [
      'an unknown status only while nothing else is known',
      ['QUEUED_ON_CHANNEL', 'SOMETHING_NEW'],
      'QUEUED_ON_CHANNEL',
      false,
    ],
  ])('%s', (_name, statuses, status, delivered) => {
    expect(fold(statuses.map((s) => ({ status: s })))).toMatchObject({ status, delivered });
  });

  it('keeps the reason of a channel switch after the message moves on', () => {
    const state = fold([
      { status: 'SWITCHING_CHANNEL', reason: 'RECIPIENT_NOT_REACHABLE' },
      { status: 'QUEUED_ON_CHANNEL' },
      { status: 'DELIVERED' },
    ]);
    expect(state).toEqual({
      status: 'DELIVERED',
      delivered: true,
      reason: null,
      switchReason: 'RECIPIENT_NOT_REACHABLE',
    });
    expect(fold([{ status: 'SWITCHING_CHANNEL', reason: 'CHANNEL_FAILURE' }])).toMatchObject({
      status: 'SWITCHING_CHANNEL',
      reason: 'CHANNEL_FAILURE',
    });
  });
});

describe('checkWhatsAppWindow (docs/DOMAIN.md#delivery-status)', () => {
  const last = Date.UTC(2024, 0, 1, 10);
  const check = (
    commandType: string,
    createdAfterMs: number,
    lastInboundAcceptMs: number | null = last,
    channel = 'WHATSAPP',
  ) =>
    checkWhatsAppWindow({
      channel,
      commandType,
      commandCreatedAtMs: last + createdAfterMs,
      lastInboundAcceptMs,
    });

  it('allows free-form messages within 24 h of the last customer message', () =>
    expect(check('SEND_TEXT', WHATSAPP_WINDOW_MS)).toEqual({ allowed: true }));
  it('refuses them after', () =>
    expect(check('SEND_MEDIA', WHATSAPP_WINDOW_MS + 1)).toEqual({
      allowed: false,
      reason: 'WINDOW_CLOSED',
    }));
  it('refuses them with no customer message', () =>
    expect(check('SEND_TEXT', 0, null)).toEqual({ allowed: false, reason: 'NO_CUSTOMER_MESSAGE' }));
  it('always allows templates and ending the conversation', () => {
    expect(check('SEND_TEMPLATE', 10 * WHATSAPP_WINDOW_MS, null)).toEqual({ allowed: true });
    expect(check('END_CONVERSATION', 10 * WHATSAPP_WINDOW_MS)).toEqual({ allowed: true });
  });
  it('does not concern other channels', () =>
    expect(check('SEND_TEXT', 10 * WHATSAPP_WINDOW_MS, null, 'SMS')).toEqual({ allowed: true }));
});
