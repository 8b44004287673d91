/**
 * The agent console page: a snapshot then live records over SSE (/api/stream), applied with
 * the same pure view model as the server; replies posted to /api/commands.
 */
import type { ConsoleInput } from '../src/console-input';
import { reduceConversation, type ConversationView } from '../src/view-model';
import { conversationItem, definitionList, messageNode, threadHeader } from './render';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const conversations = new Map<string, ConversationView>();
let selected: string | null = null;
let proxyMedia = false;
let scheduled = false;

function render(): void {
  scheduled = false;
  const list = [...conversations.values()].sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  if (selected === null && list[0]) selected = list[0].customerKey;
  $('conversations').replaceChildren(
    ...list.map((c) => conversationItem(c, c.customerKey === selected)),
  );
  const c = selected ? conversations.get(selected) : undefined;
  $('reply').hidden = !c;
  if (!c) return;
  $('thread-header').replaceChildren(...threadHeader(c));
  const messages = $('messages');
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  messages.replaceChildren(...c.messages.map((m) => messageNode(m, proxyMedia)));
  if (atBottom) messages.scrollTop = messages.scrollHeight;
  $('attached-data').replaceChildren(...definitionList(Object.entries(c.attachedData)));
  const error = $('attached-data-error');
  error.hidden = c.attachedDataError === null;
  error.textContent = c.attachedDataError ? `not attached: ${c.attachedDataError}` : '';
  $('customer').replaceChildren(
    ...definitionList([
      ['label', c.label],
      ['display name', c.displayName ?? '(unknown)'],
      ['identity', c.identity],
      ['customer key', c.customerKey],
      ['conversation', c.conversationId],
      ['contact', c.contactId],
    ]),
  );
}

const schedule = () => {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(render);
};

function connect(): void {
  const state = $('connection');
  const source = new EventSource('/api/stream');
  source.addEventListener('snapshot', (e) => {
    const data = JSON.parse((e as MessageEvent<string>).data) as {
      conversations: ConversationView[];
      proxyMedia: boolean;
    };
    conversations.clear();
    for (const c of data.conversations) conversations.set(c.customerKey, c);
    proxyMedia = data.proxyMedia;
    state.dataset.state = 'live';
    state.textContent = 'live';
    schedule();
  });
  source.addEventListener('input', (e) => {
    const input = JSON.parse((e as MessageEvent<string>).data) as ConsoleInput;
    conversations.set(
      input.customerKey,
      reduceConversation(conversations.get(input.customerKey), input),
    );
    schedule();
  });
  source.onerror = () => {
    state.dataset.state = 'reconnecting';
    state.textContent = 'reconnecting…';
  };
}

function parseParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) params[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return params;
}

function setUpReply(): void {
  const form = $<HTMLFormElement>('reply');
  const result = $('send-result');
  const mode = () => (form.querySelector('input[name=mode]:checked') as HTMLInputElement).value;
  form.addEventListener('change', () => {
    $('template-fields').hidden = mode() !== 'SEND_TEMPLATE';
    $('reply-text').hidden = mode() === 'SEND_TEMPLATE';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!selected) return;
    const text = $<HTMLTextAreaElement>('reply-text');
    const body =
      mode() === 'SEND_TEMPLATE'
        ? {
            customerKey: selected,
            type: 'SEND_TEMPLATE',
            templateName: $<HTMLInputElement>('template-name').value,
            templateLanguage: $<HTMLInputElement>('template-language').value,
            templateParameters: parseParams($<HTMLTextAreaElement>('template-params').value),
          }
        : { customerKey: selected, type: 'SEND_TEXT', text: text.value };
    result.className = 'send-result';
    result.textContent = 'sending…';
    try {
      const response = await fetch('/api/commands', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as {
        commandId?: string;
        code?: string;
        message?: string;
      };
      if (!response.ok)
        throw new Error(`${answer.code ?? response.status}: ${answer.message ?? ''}`);
      result.textContent = `command ${answer.commandId} written`;
      if (body.type === 'SEND_TEXT') text.value = '';
    } catch (error) {
      result.className = 'send-result error';
      result.textContent = `not sent: ${(error as Error).message}`;
    }
  });
}

function setUpList(): void {
  $('conversations').addEventListener('click', (event) => {
    const item = (event.target as HTMLElement).closest(
      'li[data-customer-key]',
    ) as HTMLElement | null;
    if (!item) return;
    selected = item.dataset.customerKey ?? null;
    schedule();
  });
}

setUpList();
setUpReply();
connect();
