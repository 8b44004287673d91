/** The value of sinch.webhooks.rejected.v1 (schemas/sinch.webhooks.rejected.v1.avsc): a request the ingress refused, kept size-bounded. */
export interface RejectedWebhookRecord {
  requestId: string;
  /** The refusal's error code. */
  reason: string;
  message: string;
  httpStatus: number;
  /** The body, cut to the quarantine size limit. */
  body: Buffer;
  bodyTruncated: boolean;
  bodySize: number;
  /** Signature and content headers as received. */
  headers: Record<string, string>;
  remoteAddress: string | null;
  receivedAt: number;
  ingressInstance: string;
}
