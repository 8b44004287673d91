/**
 * WhatsApp's customer service window (docs/DOMAIN.md#whatsapp-24-hour-window): free-form messages only within 24 h
 * of the customer's last message, compared between the customer message's accept time and
 * the command's creation time (never the clock, so a replay decides the same). Templates
 * and ending a conversation are always allowed; other channels are not concerned.
 */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

export type WindowDecision =
  { allowed: true } | { allowed: false; reason: 'NO_CUSTOMER_MESSAGE' | 'WINDOW_CLOSED' };

export interface WindowRequest {
  channel: string;
  commandType: string;
  commandCreatedAtMs: number;
  /** accept_time of the customer's last inbound message on this channel, if any. */
  lastInboundAcceptMs: number | null;
  windowMs?: number;
}

const FREE_FORM = new Set(['SEND_TEXT', 'SEND_MEDIA', 'SEND_CHOICES']);

export function checkWhatsAppWindow({
  channel,
  commandType,
  commandCreatedAtMs,
  lastInboundAcceptMs,
  windowMs = WHATSAPP_WINDOW_MS,
}: WindowRequest): WindowDecision {
  if (channel !== 'WHATSAPP' || !FREE_FORM.has(commandType)) return { allowed: true };
  if (lastInboundAcceptMs === null) return { allowed: false, reason: 'NO_CUSTOMER_MESSAGE' };
  return commandCreatedAtMs - lastInboundAcceptMs <= windowMs
    ? { allowed: true }
    : { allowed: false, reason: 'WINDOW_CLOSED' };
}
