import { customerKey } from './customer-key';
import { normalizeIdentity, PHONE_CHANNELS } from './phone';

describe('phone channels (docs/DOMAIN.md#phone-numbers)', () => {
  it('VIBERBM (Viber Business Messages) is addressed by phone number: E.164', () => {
    expect(PHONE_CHANNELS.has('VIBERBM')).toBe(true);
    expect(normalizeIdentity('VIBERBM', '0046 70-123 45 67')).toBe('+46701234567');
    expect(
      customerKey({
        appId: 'app',
        contactId: '',
        conversationId: '',
        channel: 'VIBERBM',
        identity: '46701234567',
      }).key,
    ).toBe('app:VIBERBM:+46701234567');
  });

  it('VIBER (the Viber bot) has user ids, kept as they are, even when they look like digits', () => {
    expect(PHONE_CHANNELS.has('VIBER')).toBe(false);
    expect(normalizeIdentity('VIBER', ' 01234567890A1b2C3d4e5F== ')).toBe(
      '01234567890A1b2C3d4e5F==',
    );
    expect(normalizeIdentity('VIBER', '46701234567')).toBe('46701234567');
    expect(
      customerKey({
        appId: 'app',
        contactId: '',
        conversationId: '',
        channel: 'VIBER',
        identity: '46701234567',
      }).key,
    ).toBe('app:VIBER:46701234567');
  });

  it('the other phone channels are unchanged: SMS, MMS, WhatsApp, RCS', () => {
    for (const channel of ['SMS', 'MMS', 'WHATSAPP', 'RCS'])
      expect(normalizeIdentity(channel, '46701234567')).toBe('+46701234567');
    for (const channel of ['MESSENGER', 'INSTAGRAM', 'TELEGRAM', 'LINE'])
      expect(normalizeIdentity(channel, '46701234567')).toBe('46701234567');
  });
});
