import {
  customerLabel,
  kindLabel,
  type ConversationView,
  type MessageView,
} from '../src/view-model';
import { el, mediaUrl, safeUrl } from './dom';

const TICKS: Record<string, string> = {
  PENDING: '… pending',
  SENT: '✓ sent',
  QUEUED_ON_CHANNEL: '✓ queued',
  DELIVERED: '✓✓ delivered',
  READ: '✓✓ read',
  FAILED: '✗ failed',
};
const time = (ms: number) => (ms ? new Date(ms).toLocaleTimeString() : '');

/** The channel badge: the channel the agent sees; a corrected thread tells the reported channel on hover. */
export function channelBadge(c: ConversationView): HTMLElement {
  const corrected = c.reportedChannels.filter((ch) => ch !== c.channel);
  return el(
    'span',
    {
      class: corrected.length ? 'badge corrected' : 'badge',
      'data-channel': c.channel,
      'data-testid': 'channel-badge',
      title: corrected.length
        ? `Reported by the Conversation API as ${c.reportedChannels.join(', ')}; shown as ${c.channel}`
        : `${c.channel}`,
    },
    c.channel || '?',
  );
}

function preview(c: ConversationView): string {
  const last = c.messages[c.messages.length - 1];
  if (!last) return '';
  return (
    last.text ??
    (last.template
      ? `template ${last.template.name}`
      : last.location
        ? 'location'
        : last.attachments.length
          ? 'attachment'
          : '')
  );
}

export function conversationItem(c: ConversationView, selected: boolean): HTMLElement {
  return el(
    'li',
    {
      'data-testid': 'conversation',
      'data-customer-key': c.customerKey,
      'aria-selected': String(selected),
      tabindex: '0',
    },
    el('span', { class: 'label' }, customerLabel(c)),
    channelBadge(c),
    c.ended ? el('span', { class: 'ended' }, 'ended') : null,
    el('div', { class: 'preview' }, preview(c)),
  );
}

export function threadHeader(c: ConversationView): HTMLElement[] {
  return [
    el('strong', { 'data-testid': 'thread-label' }, customerLabel(c)),
    channelBadge(c),
    el('span', {}, c.identity),
    c.consent
      ? el(
          'span',
          { class: 'state', 'data-testid': 'consent' },
          `consent: ${c.consent.kind} ${c.consent.status}`,
        )
      : null,
    el(
      'span',
      { class: c.ended ? 'state ended' : 'state', 'data-testid': 'conversation-state' },
      c.ended ? 'conversation ended' : 'active',
    ),
  ].filter((n): n is HTMLElement => n !== null);
}

function attachmentNode(a: MessageView['attachments'][number], proxyMedia: boolean): HTMLElement {
  const href = mediaUrl(a.url, proxyMedia, a.id.startsWith('cmd:'));
  const name = a.fileName ?? a.contentType ?? 'attachment';
  if (a.status === 'FAILED') return el('div', { class: 'error' }, `attachment failed: ${name}`);
  if (!href) return el('div', { class: 'quote-hidden' }, `${name} (downloading…)`);
  const link = el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, name);
  return a.contentType?.startsWith('image/')
    ? el(
        'div',
        { 'data-testid': 'attachment' },
        el('img', { src: href, alt: name, loading: 'lazy' }),
        link,
      )
    : el('div', { 'data-testid': 'attachment' }, 'Attachment: ', link);
}

export function messageNode(m: MessageView, proxyMedia: boolean): HTMLElement {
  const parts: (HTMLElement | string | null)[] = [];
  if (m.quoted) {
    const q = m.quoted;
    parts.push(
      el(
        'div',
        { class: 'quote', 'data-testid': 'quote' },
        q.text !== null ? `${q.text}${q.truncated ? '…' : ''}` : '',
        q.attachment ? attachmentNode(q.attachment, proxyMedia) : null,
      ),
    );
  } else if (m.quoteHiddenReason)
    parts.push(el('div', { class: 'quote-hidden' }, `quote not shown: ${m.quoteHiddenReason}`));
  const label = kindLabel(m);
  if (label !== null)
    parts.push(
      el(
        'div',
        { class: 'kind', 'data-testid': 'message-kind', 'data-kind': m.kind ?? undefined },
        label,
      ),
    );
  if (m.cardTitle) parts.push(el('div', { class: 'card-title' }, m.cardTitle));
  if (m.text !== null)
    parts.push(el('div', { class: 'text', 'data-testid': 'message-text' }, m.text));
  if (m.choices.length)
    parts.push(
      el(
        'div',
        { class: 'choices', 'data-testid': 'choices' },
        ...m.choices.map((ch) => el('span', { 'data-kind': ch.kind }, ch.title)),
      ),
    );
  if (m.template) {
    const params = Object.entries(m.template.parameters).map(([k, v]) => `${k}=${v}`);
    parts.push(
      el(
        'div',
        { class: 'template' },
        `template ${m.template.name}${m.template.language ? ` (${m.template.language})` : ''} ${params.join(', ')}`,
      ),
    );
  }
  for (const a of m.attachments) parts.push(attachmentNode(a, proxyMedia));
  if (m.location) {
    const { latitude, longitude, title, label } = m.location;
    const map = safeUrl(
      `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=16/${latitude}/${longitude}`,
    );
    parts.push(
      el(
        'div',
        { class: 'location', 'data-testid': 'location' },
        'Location: ',
        [title, label].filter(Boolean).join(', ') || `${latitude}, ${longitude}`,
        ' ',
        map ? el('a', { href: map, target: '_blank', rel: 'noopener noreferrer' }, 'map') : null,
      ),
    );
  }
  const meta: (HTMLElement | string)[] = [time(m.occurredAt)];
  if (m.direction === 'TO_CONTACT' && m.status) {
    meta.push(
      el(
        'span',
        {
          class: 'tick',
          'data-testid': 'tick',
          'data-status': m.status,
          title: m.statusReason ?? m.status,
        },
        TICKS[m.status] ?? m.status,
      ),
    );
    if (m.status === 'FAILED' && m.statusReason)
      meta.push(el('span', { class: 'error' }, m.statusReason));
  }
  parts.push(el('div', { class: 'meta' }, ...meta));
  return el(
    'li',
    {
      class: `msg ${m.direction}`,
      'data-testid': 'message',
      'data-key': m.key,
      'data-command-id': m.commandId ?? undefined,
      'data-status': m.status ?? undefined,
    },
    ...parts,
  );
}

export function definitionList(entries: [string, string][]): HTMLElement[] {
  return entries.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]);
}
