import { toSdkRecipient, type Recipient } from './send-request';

/** Who is registered on the opt-in or opt-out list, on which channels (WhatsApp). */
export interface ConsentRegistration {
  appId: string;
  recipient: Recipient;
  /** Default `['WHATSAPP']`, the channel the registration is for. */
  channels?: string[];
}

/** The body of `POST /v1/projects/{project}/optins:register` (and `optouts:register`). */
export function consentRequestBody(registration: ConsentRegistration): Record<string, unknown> {
  return {
    app_id: registration.appId,
    recipient: toSdkRecipient(registration.recipient),
    channels: registration.channels ?? ['WHATSAPP'],
  };
}
