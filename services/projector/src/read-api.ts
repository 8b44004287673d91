import { Router, type Request, type Response } from 'express';
import type { Pool } from 'pg';
import { sendError } from '@cpm/platform';
import { BadQueryError } from './errors';
import { plans } from './plans';
import { historyQuote, type QuoteSettings } from './history-quote';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** Cursor = base64url of `[occurredAt ISO, messageId]` of the last message of the previous page. */
function decodeCursor(cursor: unknown): [string, string] | [null, null] {
  if (cursor === undefined || cursor === '') return [null, null];
  try {
    const parsed = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      !Number.isNaN(Date.parse(parsed[0]))
    ) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // fall through
  }
  throw new BadQueryError('cursor is not one this API gave out');
}

const encodeCursor = (occurredAt: Date, messageId: string): string =>
  Buffer.from(JSON.stringify([occurredAt.toISOString(), messageId])).toString('base64url');

function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new BadQueryError(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

const position = (r: { log_topic: string; log_partition: number; log_offset: string }) => ({
  topic: r.log_topic,
  partition: r.log_partition,
  offset: r.log_offset,
});

/** The agent's history view (README.md, "Read API"). */
export function readApi(pool: Pool, schema: string, quotes: QuoteSettings = {}): Router {
  const router = Router();
  const handle =
    (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
      try {
        await fn(req, res);
      } catch (error) {
        sendError(res, error);
      }
    };

  router.get(
    '/customers/:customerKey/conversations',
    handle(async (req, res) => {
      const { rows } = await pool.query(plans.customerConversations(schema), [
        req.params.customerKey,
      ]);
      res.json({
        customerKey: req.params.customerKey,
        conversations: rows.map((r) => ({
          conversationId: r.conversation_id,
          appId: r.app_id,
          contactId: r.contact_id,
          channel: r.channel,
          sourceChannel: r.source_channel,
          state: r.state,
          startedAt: r.started_at,
          endedAt: r.ended_at,
          lastEventAt: r.last_event_at,
          attachedData: r.attached_data,
          logPosition: position(r),
        })),
      });
    }),
  );

  router.get(
    '/conversations/:conversationId/messages',
    handle(async (req, res) => {
      const limit = parseLimit(req.query.limit);
      const [afterTime, afterId] = decodeCursor(req.query.cursor);
      const { rows } = await pool.query(plans.conversationMessages(schema), [
        req.params.conversationId,
        afterTime,
        afterId,
        limit + 1,
      ]);
      const page = rows.slice(0, limit);
      const lastRow = page[page.length - 1];
      res.json({
        conversationId: req.params.conversationId,
        messages: page.map((r) => ({
          messageId: r.message_id,
          direction: r.direction,
          author: r.author,
          channel: r.channel,
          sourceChannel: r.source_channel,
          kind: r.kind,
          text: r.text,
          content: r.content,
          ...historyQuote(r, quotes),
          attachments: r.attachments,
          status:
            r.status === null
              ? null
              : {
                  status: r.status,
                  reason: r.status_reason,
                  delivered: r.delivered,
                  switchReason: r.switch_reason,
                  history: r.status_history,
                },
          attachedData: r.attached_data,
          occurredAt: r.occurred_at,
          logPosition: position(r),
        })),
        nextCursor:
          rows.length > limit && lastRow
            ? encodeCursor(lastRow.occurred_at as Date, lastRow.message_id as string)
            : null,
      });
    }),
  );
  return router;
}
