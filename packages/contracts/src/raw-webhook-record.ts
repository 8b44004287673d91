/** The value of sinch.webhooks.raw.v1 (schemas/sinch.webhooks.raw.v1.avsc). */
export interface RawWebhookRecord {
  requestId: string;
  body: Buffer;
  contentType: string | null;
  signature: string | null;
  signatureNonce: string | null;
  signatureTimestamp: string | null;
  signatureAlgorithm: string | null;
  verification: 'VERIFIED' | 'UNSIGNED_ACCEPTED';
  secretIndex: number;
  signatureAgeSeconds: number | null;
  receivedAt: number;
  ingressInstance: string;
  trigger: string;
  appId: string;
  customerKey: string;
  keySource: string;
  processingMode: string | null;
}
