import type { ConsoleInput } from './console-input';
import { reduceConversation, type ConversationView, type ViewLimits } from './view-model';

export type InputListener = (input: ConsoleInput) => void;

/**
 * The console's bounded, in-memory view: one conversation per customer key (the least
 * recently active dropped beyond `maxConversations`), a snapshot for a new browser, and the
 * live records for the browsers already connected, in the order they were applied.
 */
export class ConversationStore {
  private readonly conversations = new Map<string, ConversationView>();
  private readonly listeners = new Set<InputListener>();

  constructor(private readonly limits: ViewLimits & { maxConversations: number }) {}

  apply(input: ConsoleInput): void {
    const next = reduceConversation(this.conversations.get(input.customerKey), input, this.limits);
    this.conversations.delete(input.customerKey);
    this.conversations.set(input.customerKey, next); // Map order = least recently touched first
    while (this.conversations.size > this.limits.maxConversations) {
      const oldest = this.conversations.keys().next().value as string;
      this.conversations.delete(oldest);
    }
    for (const listener of this.listeners) listener(input);
  }

  get(customerKey: string): ConversationView | undefined {
    return this.conversations.get(customerKey);
  }

  snapshot(): ConversationView[] {
    return [...this.conversations.values()];
  }

  get size(): number {
    return this.conversations.size;
  }

  subscribe(listener: InputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
