import type { AgentCommand } from '@cpm/contracts';

/** The content fields of an agent command, all empty: a test sets the ones its command carries. */
export const NO_COMMAND_CONTENT = {
  text: null,
  mediaUrl: null,
  fileName: null,
  templateName: null,
  templateLanguage: null,
  templateParameters: {},
  messageMetadata: null,
  conversationMetadata: null,
  title: null,
  choices: [],
} satisfies Partial<AgentCommand>;
