/** A MESSAGE_INBOUND callback of one of 200 WhatsApp customers, with a given message id. */
export const webhookBody = (id: string, n: number): string =>
  JSON.stringify({
    app_id: 'app-bench',
    accepted_time: new Date().toISOString(),
    message: {
      id,
      direction: 'TO_APP',
      contact_message: { text_message: { text: `bench ${n}` } },
      channel_identity: { channel: 'WHATSAPP', identity: `4670${String(n % 200).padStart(6, '0')}`, app_id: '' },
      contact_id: `c${n % 200}`,
      conversation_id: `v${n % 200}`,
      accept_time: new Date().toISOString(),
    },
  });
