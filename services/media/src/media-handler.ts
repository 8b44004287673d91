import type { MediaOutcome } from '@cpm/contracts';
import { attachmentIdOf, eventIdOf, type ConversationEvent } from '@cpm/domain';
import type { Emit, ProcessContext } from '@cpm/kafka';
import type { Metrics } from '@cpm/platform';
import type { DownloadOutcome } from './media-downloader';

/** Per customer key, restored from the changelog: attachments already handled (newest last). */
export interface MediaState {
  handled: string[];
}

export const initialMediaState = (): MediaState => ({ handled: [] });

export type { MediaOutcome } from '@cpm/contracts';

export interface MediaHandlerOptions {
  download: (url: string) => Promise<DownloadOutcome>;
  handledCapacity: number;
  replay: boolean;
  metrics: Metrics;
}

/** The customer media of an event: a customer's media or media card message (voice notes included). */
export function mediaOf(event: ConversationEvent): { url: string; fileName: string | null }[] {
  if (event.type !== 'MESSAGE_RECEIVED' || !event.message?.media?.url) return [];
  return [{ url: event.message.media.url, fileName: event.message.media.fileName }];
}

/**
 * conversation.events.v1 → conversation.media.v1: each customer attachment not handled
 * before is downloaded once and reported READY or FAILED. A duplicate event, or a replay
 * (MEDIA_REPLAY), downloads nothing.
 */
export function mediaHandler(o: MediaHandlerOptions) {
  return async (value: unknown, ctx: ProcessContext<MediaState>): Promise<Emit[]> => {
    const event = value as ConversationEvent;
    const media = mediaOf(event);
    if (media.length === 0) return [];
    const state = ctx.state.get(ctx.key);
    const handled = [...state.handled];
    const out: Emit[] = [];
    for (const [index, item] of media.entries()) {
      const attachmentId = attachmentIdOf(event.eventId, index);
      if (handled.includes(attachmentId)) {
        o.metrics.mediaDownloads.inc({ outcome: 'duplicate' });
        continue;
      }
      if (o.replay) {
        o.metrics.mediaDownloads.inc({ outcome: 'replay_skipped' });
        continue;
      }
      const result = await o.download(item.url);
      o.metrics.mediaDownloads.inc({
        outcome: result.status === 'READY' ? 'ready' : result.reason,
      });
      handled.push(attachmentId);
      const outcome: MediaOutcome = {
        eventId: eventIdOf(['MEDIA_OUTCOME', attachmentId]),
        attachmentId,
        sourceEventId: event.eventId,
        messageId: event.message?.id ?? '',
        customerKey: event.customerKey || ctx.key,
        appId: event.appId,
        conversationId: event.conversationId,
        contactId: event.contactId,
        status: result.status,
        sourceUrl: item.url,
        storageKey: result.status === 'READY' ? result.blob.key : null,
        sha256: result.status === 'READY' ? result.blob.sha256 : null,
        sizeBytes: result.status === 'READY' ? result.blob.size : null,
        contentType: result.status === 'READY' ? result.blob.contentType : null,
        fileName: item.fileName ?? fileNameOf(item.url),
        reason: result.status === 'FAILED' ? result.reason : null,
        occurredAt: event.occurredAtMs,
      };
      out.push({
        topic: 'conversation.media.v1',
        key: outcome.customerKey,
        value: outcome,
        type: result.status,
      });
    }
    if (handled.length !== state.handled.length)
      ctx.state.set(ctx.key, { handled: handled.slice(-o.handledCapacity) });
    return out;
  };
}

/** The last path segment of the source URL, when it looks like a file name. */
function fileNameOf(url: string): string | null {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return /^[^\\/\0]{1,200}\.[A-Za-z0-9]{1,8}$/.test(last) ? last : null;
  } catch {
    return null;
  }
}
