import {
  AGENT_COMMAND_TYPES,
  checkChannelCapability,
  capabilitiesOf,
  NOT_SUPPORTED_ON_CHANNEL,
} from './channel-capabilities';

const can = (channel: string) =>
  AGENT_COMMAND_TYPES.filter((type) => checkChannelCapability(channel, type).ok);

describe('channel capabilities (what an agent can send where)', () => {
  it('lets WhatsApp carry every command', () => {
    expect(can('WHATSAPP')).toEqual([...AGENT_COMMAND_TYPES]);
  });

  it('keeps SMS to text (and ending), MMS to text and media', () => {
    expect(can('SMS')).toEqual(['SEND_TEXT', 'END_CONVERSATION']);
    expect(can('MMS')).toEqual(['SEND_TEXT', 'SEND_MEDIA', 'END_CONVERSATION']);
  });

  it('gives choices to the channels with buttons, templates and consent to WhatsApp only', () => {
    for (const channel of ['MESSENGER', 'INSTAGRAM', 'RCS', 'VIBERBM', 'VIBER', 'TELEGRAM', 'LINE'])
      expect(can(channel)).toEqual(['SEND_TEXT', 'SEND_MEDIA', 'SEND_CHOICES', 'END_CONVERSATION']);
    for (const type of ['SEND_TEMPLATE', 'REGISTER_OPT_IN', 'REGISTER_OPT_OUT'])
      expect(
        ['MESSENGER', 'INSTAGRAM', 'SMS', 'MMS', 'RCS', 'WECHAT'].filter(
          (channel) => checkChannelCapability(channel, type).ok,
        ),
      ).toEqual([]);
  });

  it('gives a channel it does not list text and media only', () => {
    expect(capabilitiesOf('KAKAOTALK')).toEqual(['SEND_TEXT', 'SEND_MEDIA', 'END_CONVERSATION']);
    expect(can('SOMETHING_NEW')).toEqual(['SEND_TEXT', 'SEND_MEDIA', 'END_CONVERSATION']);
  });

  it('says why, with a stable code', () => {
    expect(checkChannelCapability('SMS', 'SEND_MEDIA')).toEqual({
      ok: false,
      code: NOT_SUPPORTED_ON_CHANNEL,
      message: 'SEND_MEDIA cannot be sent on SMS: SMS carries text only (send it on MMS)',
    });
    expect(checkChannelCapability('MMS', 'SEND_CHOICES')).toMatchObject({
      ok: false,
      message: expect.stringContaining('no buttons'),
    });
    expect(checkChannelCapability('WHATSAPP', 'SEND_FAX')).toMatchObject({
      ok: false,
      message: 'unknown command type "SEND_FAX"',
    });
  });
});
