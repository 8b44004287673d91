import { randomUUID } from 'node:crypto';
import { messageInbound } from '@cpm/sinch-simulator';
import { signWebhook } from '@cpm/sinch-webhooks';
import type { AutocannonRequest } from 'autocannon';

const WORDS = [
  'hello',
  'my',
  'order',
  'has',
  'not',
  'arrived',
  'yet',
  'can',
  'you',
  'check',
  'the',
  'tracking',
  'number',
  'please',
  'thanks',
  'invoice',
  'refund',
];
const CHANNELS = [
  { channel: 'WHATSAPP', identity: (i: number) => `4670${String(1000000 + i)}` },
  { channel: 'SMS', identity: (i: number) => `+4670${String(2000000 + i)}` },
  { channel: 'MESSENGER', identity: (i: number) => `${7000000000000000 + i}` },
];

/** Deterministic text of 3 to 60 words, so bodies range from ~0.9 to ~1.3 KB like real chats. */
function textOf(i: number): string {
  const n = 3 + ((i * 7) % 58);
  return Array.from({ length: n }, (_, k) => WORDS[(i + k * 3) % WORDS.length]).join(' ');
}

/**
 * `size` distinct MESSAGE_INBOUND callbacks, each signed the way Sinch signs it (the
 * signature covers body, nonce and timestamp, so each body carries its own headers).
 * `contacts` distinct customers spread the records over the topic's partitions.
 */
export function signedInboundPool(options: {
  size: number;
  contacts: number;
  secret: string;
  path: string;
  appId?: string;
}): AutocannonRequest[] {
  const appId = options.appId ?? '01BENCHAPP00000000000000000';
  const nowSeconds = Math.floor(Date.now() / 1000);
  return Array.from({ length: options.size }, (_, i) => {
    const contact = i % options.contacts;
    const channel = CHANNELS[contact % CHANNELS.length]!;
    const body = Buffer.from(
      JSON.stringify(
        messageInbound(
          {
            appId,
            projectId: 'bench-project',
            time: new Date((nowSeconds - 60 + (i % 60)) * 1000).toISOString(),
            correlationId: '',
          },
          {
            id: `01BENCHMSG${String(i).padStart(17, '0')}`,
            channelIdentity: {
              channel: channel.channel,
              identity: channel.identity(contact),
              app_id: appId,
            },
            contactId: `01BENCHCONTACT${String(contact).padStart(12, '0')}`,
            conversationId: `01BENCHCONV${String(contact).padStart(15, '0')}`,
            contactMessage: { text_message: { text: textOf(i) } },
            metadata: '',
            processingMode: 'CONVERSATION',
          },
        ),
      ),
    );
    return {
      method: 'POST',
      path: options.path,
      headers: {
        'content-type': 'application/json',
        ...signWebhook(body, options.secret, randomUUID(), nowSeconds),
      },
      body,
    };
  });
}
