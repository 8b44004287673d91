/** The value of topic `sinch.lookups.v1` (schemas/sinch.lookups.v1.avsc). */
export interface LookupAnswer {
  lookupId: string;
  /** CONTACT (Get Contact) or CHANNEL_PROFILE (Get Channel Profile). */
  kind: string;
  appId: string;
  contactId: string;
  channel: string;
  identity: string;
  displayName: string | null;
  /** FOUND, NOT_FOUND, FAILED. */
  outcome: string;
  reason: string | null;
  requestedBy: string;
  answeredAt: number;
}
