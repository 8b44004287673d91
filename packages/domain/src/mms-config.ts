/** Settings of the MMS channel correction (docs/DOMAIN.md#mms-channel-correction). */
export interface MmsConfig {
  /** Apps whose SMS traffic is MMS traffic (the business set the app up for MMS). */
  mmsAppIds: readonly string[];
  /** Business numbers (`sender_id`) whose SMS traffic is MMS traffic; any phone format. */
  mmsBusinessNumbers: readonly string[];
  /** An MMS thread with no activity for this long (measured on Sinch's times) is unbound. */
  idleTimeoutMs: number;
}

/**
 * 24 hours: long enough for a customer to answer an MMS the next day on SMS, short enough
 * that an SMS months later is not pulled into a forgotten MMS thread.
 */
export const DEFAULT_MMS_IDLE_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** The config with defaults filled in. */
export function mmsConfig(overrides: Partial<MmsConfig> = {}): MmsConfig {
  return {
    mmsAppIds: overrides.mmsAppIds ?? [],
    mmsBusinessNumbers: overrides.mmsBusinessNumbers ?? [],
    idleTimeoutMs: overrides.idleTimeoutMs ?? DEFAULT_MMS_IDLE_TIMEOUT_MS,
  };
}
