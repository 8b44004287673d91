/**
 * The agent console page: a snapshot then live records over SSE (/api/stream), applied with
 * the same pure view model as the server; replies and actions posted to /api/commands, files
 * uploaded to /api/uploads first, templates chosen from /api/templates. The actions a
 * conversation's channel cannot carry are hidden, by the domain's capability table (the one
 * the outbound service refuses commands by).
 */
import { capabilitiesOf } from '@cpm/domain/channel-capabilities';
import type { CatalogueTemplate } from '@cpm/contracts/template-catalogue';
import type { ConsoleInput } from '../src/console-input';
import { customerLabel, reduceConversation, type ConversationView } from '../src/view-model';
import { el } from './dom';
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
  $('actions').hidden = !c;
  if (!c) return;
  showCapabilities(c);
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
      ['label', customerLabel(c)],
      ['display name', c.displayName ?? '(unknown)'],
      ['identity', c.identity],
      ['channel', c.channel],
      [
        'consent',
        c.consent ? `${c.consent.kind} (${c.consent.status})` : 'nothing registered or reported',
      ],
      ['conversation', c.ended ? 'ended' : 'active'],
    ]),
  );
}

/** Only the actions the channel carries are offered; a hidden mode falls back to text. */
function showCapabilities(c: ConversationView): void {
  const can = new Set<string>(capabilitiesOf(c.channel));
  for (const node of document.querySelectorAll<HTMLElement>('[data-action]'))
    node.hidden = !can.has(node.dataset.action ?? '');
  const checked = document.querySelector<HTMLInputElement>('input[name=mode]:checked');
  if (checked && !can.has(checked.value)) {
    document.querySelector<HTMLInputElement>('input[name=mode][value=SEND_TEXT]')!.checked = true;
    showMode();
  }
  const notice = $('notice');
  notice.hidden = c.notice === null;
  notice.textContent = c.notice ?? '';
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

const mode = () => (document.querySelector('input[name=mode]:checked') as HTMLInputElement).value;

function showMode(): void {
  const m = mode();
  $('reply-text').hidden = m !== 'SEND_TEXT' && m !== 'SEND_CHOICES';
  $('media-fields').hidden = m !== 'SEND_MEDIA';
  $('choice-fields').hidden = m !== 'SEND_CHOICES';
  $('template-fields').hidden = m !== 'SEND_TEMPLATE';
  if (m === 'SEND_TEMPLATE') void loadTemplates();
}

/** One button per line: `Title`, `Title | https://link` or `Title | tel:+46…`. */
function parseChoices(text: string): object[] {
  return text
    .split('\n')
    .map((line) => line.split('|').map((part) => part.trim()))
    .filter(([title]) => title)
    .map(([title, target]) =>
      !target
        ? { kind: 'TEXT', title }
        : target.startsWith('tel:')
          ? { kind: 'CALL', title, phoneNumber: target.slice(4) }
          : { kind: 'URL', title, url: target },
    );
}

let templates: CatalogueTemplate[] = [];

async function loadTemplates(): Promise<void> {
  const answer = (await (await fetch('/api/templates')).json()) as {
    templates: CatalogueTemplate[];
  };
  templates = answer.templates;
  const select = $<HTMLSelectElement>('template-select');
  const current = select.value;
  select.replaceChildren(
    el('option', { value: '' }, templates.length ? 'Choose a template…' : 'No templates'),
    ...templates.flatMap((t) =>
      t.languages.map((l) =>
        el(
          'option',
          { value: `${t.templateId}|${l.languageCode}` },
          `${t.description || t.templateId} (${l.languageCode})`,
        ),
      ),
    ),
  );
  select.value = current;
  showTemplate();
}

const chosenTemplate = () => {
  const [id, language] = $<HTMLSelectElement>('template-select').value.split('|');
  return templates
    .find((t) => t.templateId === id)
    ?.languages.find((l) => l.languageCode === language);
};

function showTemplate(): void {
  const chosen = chosenTemplate();
  $('template-preview').textContent = chosen
    ? `${chosen.whatsappName} (${chosen.whatsappLanguage})${chosen.previewText ? `: ${chosen.previewText}` : ''}`
    : '';
  $('template-params').replaceChildren(
    ...(chosen?.parameters ?? []).map((p) =>
      el(
        'label',
        {},
        p.key,
        el('input', {
          'data-param': p.key,
          'data-testid': 'template-param',
          placeholder: p.preview ?? '',
        }),
      ),
    ),
  );
}

function templateBody(customerKey: string): object {
  const chosen = chosenTemplate();
  if (!chosen) throw new Error('choose a template');
  const parameters: Record<string, string> = {};
  for (const input of document.querySelectorAll<HTMLInputElement>('[data-param]'))
    parameters[input.dataset.param!] = input.value || input.placeholder;
  return {
    customerKey,
    type: 'SEND_TEMPLATE',
    templateName: chosen.whatsappName,
    templateLanguage: chosen.whatsappLanguage,
    templateParameters: parameters,
  };
}

/** The file stored by the media service, published under an expiring URL for the channel. */
async function upload(file: File): Promise<{ url: string; fileName: string | null }> {
  const response = await fetch(`/api/uploads?${new URLSearchParams({ fileName: file.name })}`, {
    method: 'POST',
    headers: { 'content-type': file.type || 'application/octet-stream' },
    body: file,
  });
  const answer = (await response.json()) as { url?: string; code?: string; message?: string };
  if (!response.ok || !answer.url)
    throw new Error(`upload refused: ${answer.code ?? response.status} ${answer.message ?? ''}`);
  return { url: answer.url, fileName: file.name };
}

async function post(body: object): Promise<void> {
  const result = $('send-result');
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
    if (!response.ok) throw new Error(`${answer.code ?? response.status}: ${answer.message ?? ''}`);
    result.textContent = `command ${answer.commandId} written`;
  } catch (error) {
    result.className = 'send-result error';
    result.textContent = `not sent: ${(error as Error).message}`;
    throw error;
  }
}

async function replyBody(customerKey: string): Promise<object> {
  const text = $<HTMLTextAreaElement>('reply-text').value;
  switch (mode()) {
    case 'SEND_MEDIA': {
      const file = $<HTMLInputElement>('media-file').files?.[0];
      if (!file) throw new Error('choose a file');
      $('send-result').textContent = 'uploading…';
      const uploaded = await upload(file);
      return {
        customerKey,
        type: 'SEND_MEDIA',
        mediaUrl: uploaded.url,
        fileName: uploaded.fileName,
      };
    }
    case 'SEND_CHOICES':
      return {
        customerKey,
        type: 'SEND_CHOICES',
        text,
        title: $<HTMLInputElement>('card-title').value.trim() || null,
        choices: parseChoices($<HTMLTextAreaElement>('choices').value),
      };
    case 'SEND_TEMPLATE':
      return templateBody(customerKey);
    default:
      return { customerKey, type: 'SEND_TEXT', text };
  }
}

function setUpReply(): void {
  const form = $<HTMLFormElement>('reply');
  form.addEventListener('change', (event) => {
    if ((event.target as HTMLElement).id === 'template-select') showTemplate();
    else if ((event.target as HTMLInputElement).name === 'mode') showMode();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!selected) return;
    try {
      await post(await replyBody(selected));
      $<HTMLTextAreaElement>('reply-text').value = '';
      $<HTMLInputElement>('media-file').value = '';
    } catch (error) {
      const result = $('send-result');
      result.className = 'send-result error';
      if (!result.textContent?.startsWith('not sent'))
        result.textContent = `not sent: ${(error as Error).message}`;
    }
  });
  $('actions').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest(
      'button[data-action]',
    ) as HTMLElement | null;
    if (!button || !selected) return;
    const type = button.dataset.action!;
    if (type === 'END_CONVERSATION' && !window.confirm('End this conversation?')) return;
    void post({ customerKey: selected, type }).catch(() => undefined);
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
