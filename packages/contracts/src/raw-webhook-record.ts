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
  /** Old records only: position among the secrets accepted at receipt; see secretId. */
  secretIndex: number;
  /** The keyring id of the secret that verified it; null when unchecked or written before ids. */
  secretId: string | null;
  signatureAgeSeconds: number | null;
  receivedAt: number;
  ingressInstance: string;
  trigger: string;
  appId: string;
  customerKey: string;
  keySource: string;
  processingMode: string | null;
  /** Where a readmitted request was quarantined (`replay readmit`); null when accepted at once. */
  admittedFrom: { topic: string; partition: number; offset: number } | null;
}
