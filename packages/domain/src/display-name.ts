/** The name Contact Pro shows for a customer (docs/DOMAIN.md#display-names). */
export interface CustomerName {
  /** The customer's name, null when unknown. */
  displayName: string | null;
  /** What the agent sees: the name, else the channel identity (phone number, PSID, ...). */
  label: string;
}

/** Sinch's name for contacts created without one: not a name. */
const PLACEHOLDER_NAMES = new Set(['unknown']);

export function customerName(
  displayName: string | null | undefined,
  identity: string,
): CustomerName {
  const trimmed = displayName?.trim() ?? '';
  const name = trimmed === '' || PLACEHOLDER_NAMES.has(trimmed.toLowerCase()) ? null : trimmed;
  return { displayName: name, label: name ?? identity };
}
