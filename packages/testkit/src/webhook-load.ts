import { postWebhook } from './signed-post';

/** A MESSAGE_INBOUND text callback (WhatsApp) with message id `id`, from customer `n % contacts`. */
export function inboundTextBody(o: {
  appId: string;
  id: string;
  n: number;
  contacts: number;
  text?: string;
}): string {
  const customer = o.n % o.contacts;
  const now = new Date().toISOString();
  return JSON.stringify({
    app_id: o.appId,
    accepted_time: now,
    message: {
      id: o.id,
      direction: 'TO_APP',
      contact_message: { text_message: { text: o.text ?? `hello ${o.n}` } },
      channel_identity: {
        channel: 'WHATSAPP',
        identity: `4670${String(customer).padStart(6, '0')}`,
        app_id: '',
      },
      contact_id: `contact-${customer}`,
      conversation_id: `conv-${customer}`,
      accept_time: now,
    },
  });
}

export interface WebhookOutcome {
  n: number;
  /** The HTTP status, 0 when the request itself failed. */
  status: number;
}

/** Signed POSTs of body(0), body(1), … from `concurrency` workers until `stop()`; every answer is kept. */
export function startWebhookLoad(
  url: string,
  secret: string,
  body: (n: number) => string,
  concurrency: number,
): { outcomes: WebhookOutcome[]; stop(): Promise<void> } {
  const outcomes: WebhookOutcome[] = [];
  let next = 0;
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      const n = next++;
      const res = await postWebhook(url, body(n), { secret }).catch(() => ({ status: 0 }));
      outcomes.push({ n, status: res.status });
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}
