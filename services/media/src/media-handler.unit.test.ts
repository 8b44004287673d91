import type { ConversationEvent } from '@cpm/domain';
import { KeyedState, type ProcessContext } from '@cpm/kafka';
import { createMetrics } from '@cpm/platform';
import { attachmentIdOf } from '@cpm/domain';
import {
  initialMediaState,
  mediaHandler,
  type MediaOutcome,
  type MediaState,
} from './media-handler';
import type { DownloadOutcome } from './media-downloader';

const event = (
  eventId: string,
  url: string | null,
  type: ConversationEvent['type'] = 'MESSAGE_RECEIVED',
) =>
  ({
    eventId,
    type,
    customerKey: 'app:contact',
    appId: 'app',
    conversationId: 'conv',
    contactId: 'contact',
    occurredAtMs: 1_800_000_000_000,
    message: {
      id: `msg-${eventId}`,
      media: url ? { url, thumbnailUrl: null, fileName: null, caption: null } : null,
    },
  }) as unknown as ConversationEvent;

function setup(replay = false, capacity = 10) {
  const calls: string[] = [];
  const download = async (url: string): Promise<DownloadOutcome> => {
    calls.push(url);
    return url.endsWith('404')
      ? { status: 'FAILED', reason: 'HTTP_404', message: '404', attempts: 1 }
      : {
          status: 'READY',
          created: true,
          attempts: 1,
          blob: { key: 'a'.repeat(64), sha256: 'a'.repeat(64), size: 3, contentType: 'image/png' },
        };
  };
  const state = new KeyedState<MediaState>(initialMediaState);
  const handle = mediaHandler({
    download,
    handledCapacity: capacity,
    replay,
    metrics: createMetrics('media-test'),
  });
  const ctx: ProcessContext<MediaState> = {
    topic: 'conversation.events.v1',
    partition: 0,
    offset: '0',
    key: 'app:contact',
    state,
    commitThen: (effect) => effect(),
  };
  return { calls, run: (e: ConversationEvent) => handle(e, ctx) };
}

describe('mediaHandler', () => {
  it('downloads each attachment once and names its outcome deterministically', async () => {
    const { calls, run } = setup();
    const first = await run(event('e1', 'https://cdn.example/a/photo.png'));
    expect(await run(event('e1', 'https://cdn.example/a/photo.png'))).toEqual([]);
    expect(calls).toEqual(['https://cdn.example/a/photo.png']);
    const value = first[0]!.value as MediaOutcome;
    expect(first[0]).toMatchObject({
      topic: 'conversation.media.v1',
      key: 'app:contact',
      type: 'READY',
    });
    expect(value).toMatchObject({
      attachmentId: attachmentIdOf('e1', 0),
      sourceEventId: 'e1',
      messageId: 'msg-e1',
      status: 'READY',
      fileName: 'photo.png',
      reason: null,
    });
    expect(value.occurredAt).toBe(1_800_000_000_000);
    const again = await setup().run(event('e1', 'https://cdn.example/a/photo.png'));
    expect(again[0]!.value).toEqual(value);
  });

  it('reports a failure with its reason', async () => {
    const [out] = await setup().run(event('e2', 'https://cdn.example/404'));
    expect(out!.value).toMatchObject({
      status: 'FAILED',
      reason: 'HTTP_404',
      storageKey: null,
      sha256: null,
      fileName: null,
    });
  });

  it('downloads nothing in a replay, and ignores events without customer media', async () => {
    const replay = setup(true);
    expect(await replay.run(event('e3', 'https://cdn.example/x.png'))).toEqual([]);
    expect(replay.calls).toEqual([]);
    const live = setup();
    expect(await live.run(event('e4', null))).toEqual([]);
    expect(await live.run(event('e5', 'https://cdn.example/x.png', 'MESSAGE_SENT'))).toEqual([]);
    expect(live.calls).toEqual([]);
  });

  it('remembers a bounded number of attachments per customer', async () => {
    const { calls, run } = setup(false, 2);
    for (const id of ['a', 'b', 'c', 'a']) await run(event(id, `https://cdn.example/${id}.png`));
    expect(calls).toHaveLength(4); // 'a' was forgotten after 'b' and 'c'
  });
});
