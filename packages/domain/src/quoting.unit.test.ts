import { type KnownMessage, decideQuote } from './quoting';

const DAY = 24 * 60 * 60 * 1000;
const REPLY_AT = Date.UTC(2024, 0, 10, 12);
const agentText = (overrides: Partial<KnownMessage> = {}): KnownMessage => ({
  messageId: 'mt1',
  author: 'AGENT',
  acceptedAtMs: REPLY_AT - 2 * DAY,
  text: 'Your order has shipped',
  attachment: null,
  ...overrides,
});
const pdf = {
  url: 'https://pub/invoice.pdf',
  fileName: 'invoice.pdf',
  contentType: 'application/pdf',
};
const image = { url: 'https://pub/p.jpg', fileName: null, contentType: 'image/jpeg' };

describe('decideQuote (docs/DOMAIN.md#quoting)', () => {
  it.each([
    [
      'WhatsApp agent message 2 days old → shown',
      'WHATSAPP',
      agentText(),
      {
        show: true,
        quote: {
          messageId: 'mt1',
          text: 'Your order has shipped',
          truncated: false,
          attachment: null,
        },
      },
    ],
    [
      'WhatsApp agent message 4 days old → not shown',
      'WHATSAPP',
      agentText({ acceptedAtMs: REPLY_AT - 4 * DAY }),
      { show: false, reason: 'TOO_OLD' },
    ],
    [
      'exactly 3 days old → shown',
      'WHATSAPP',
      agentText({ acceptedAtMs: REPLY_AT - 3 * DAY }),
      { show: true },
    ],
    [
      "the customer's own message → not shown",
      'WHATSAPP',
      agentText({ author: 'CUSTOMER' }),
      { show: false, reason: 'NOT_AGENT_MESSAGE' },
    ],
    [
      'a PROMPT message → not shown',
      'WHATSAPP',
      agentText({ author: 'PROMPT' }),
      { show: false, reason: 'NOT_AGENT_MESSAGE' },
    ],
    [
      'an ERROR message → not shown',
      'MESSENGER',
      agentText({ author: 'ERROR' }),
      { show: false, reason: 'NOT_AGENT_MESSAGE' },
    ],
    [
      'Instagram agent image → not shown',
      'INSTAGRAM',
      agentText({ text: null, attachment: image }),
      { show: false, reason: 'INSTAGRAM_MEDIA' },
    ],
    ['Instagram agent text → shown', 'INSTAGRAM', agentText(), { show: true }],
    [
      'Messenger agent PDF → shown as attachment',
      'MESSENGER',
      agentText({ text: null, attachment: pdf }),
      { show: true, quote: { messageId: 'mt1', text: null, truncated: false, attachment: pdf } },
    ],
    ['SMS → not shown', 'SMS', agentText(), { show: false, reason: 'CHANNEL_NOT_SUPPORTED' }],
    [
      'unknown quoted message → not shown',
      'WHATSAPP',
      undefined,
      { show: false, reason: 'UNKNOWN_MESSAGE' },
    ],
  ])('%s', (_name, replyChannel, quoted, expected) => {
    expect(decideQuote({ replyChannel, replyTimeMs: REPLY_AT, quoted })).toMatchObject(expected);
  });

  it('truncates a 1000-character text to its first 200 characters, marked', () => {
    const decision = decideQuote({
      replyChannel: 'WHATSAPP',
      replyTimeMs: REPLY_AT,
      quoted: agentText({ text: 'x'.repeat(1000) }),
    });
    expect(decision).toEqual({
      show: true,
      quote: { messageId: 'mt1', text: 'x'.repeat(200), truncated: true, attachment: null },
    });
  });

  it('never cuts an emoji in half', () => {
    const decision = decideQuote({
      replyChannel: 'WHATSAPP',
      replyTimeMs: REPLY_AT,
      quoted: agentText({ text: '🔥'.repeat(5) }),
      maxTextLength: 3,
    });
    expect(decision).toMatchObject({ quote: { text: '🔥🔥🔥', truncated: true } });
  });
});
