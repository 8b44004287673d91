/** For tests and scripts: follows the console's SSE stream and folds it into views, as the page does. */
import type { ConsoleInput } from './console-input';
import { reduceConversation, type ConversationView } from './view-model';

export interface StreamView {
  conversations: Map<string, ConversationView>;
  /** Names of the SSE events received, in order (snapshot, input, ...). */
  received: string[];
  waitFor<T>(
    probe: (conversations: Map<string, ConversationView>) => T | undefined | null | false,
    timeoutMs?: number,
  ): Promise<T>;
  close(): void;
}

/**
 * Signs in as an agent (POST /login, as the sign-in form does) and returns the session
 * cookie to send as the `cookie` header; throws when the console refuses the sign-in.
 */
export async function signIn(consoleUrl: string, user: string, password: string): Promise<string> {
  const response = await fetch(`${consoleUrl}/login`, {
    method: 'POST',
    body: new URLSearchParams({ user, password }),
    redirect: 'manual',
  });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (response.status !== 303 || !cookie)
    throw new Error(`sign-in as ${user} refused: ${response.status}`);
  return cookie;
}

export async function followStream(url: string, cookie: string): Promise<StreamView> {
  const controller = new AbortController();
  const response = await fetch(url, {
    signal: controller.signal,
    headers: { accept: 'text/event-stream', cookie },
  });
  if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`);
  const conversations = new Map<string, ConversationView>();
  const received: string[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const onBlock = (block: string) => {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (!event || data === undefined) return;
    received.push(event);
    if (event === 'snapshot') {
      conversations.clear();
      for (const c of (JSON.parse(data) as { conversations: ConversationView[] }).conversations)
        conversations.set(c.customerKey, c);
    } else if (event === 'input') {
      const input = JSON.parse(data) as ConsoleInput;
      conversations.set(
        input.customerKey,
        reduceConversation(conversations.get(input.customerKey), input),
      );
    }
  };
  void (async () => {
    const reader = response.body!.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          onBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    conversations,
    received,
    async waitFor(probe, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe(conversations);
        if (value) return value;
        if (Date.now() > deadline)
          throw new Error(
            `timed out after ${timeoutMs} ms; stream so far: ${JSON.stringify([...conversations.values()]).slice(0, 2000)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => controller.abort(),
  };
}
