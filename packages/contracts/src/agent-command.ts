/** The value of topic `agent.commands.v1` (schemas/agent.commands.v1.avsc), as decoded. */
export interface AgentCommand {
  commandId: string;
  /** Epoch ms (timestamp-millis). */
  createdAt: number;
  type: string;
  appId: string;
  contactId: string;
  conversationId: string;
  channel: string;
  identity: string;
  author: string;
  agentId: string | null;
  text: string | null;
  mediaUrl: string | null;
  fileName: string | null;
  templateName: string | null;
  templateLanguage: string | null;
  templateParameters: Record<string, string>;
  messageMetadata: string | null;
  conversationMetadata: string | null;
  /** SEND_CHOICES: a card's title (with a title or a mediaUrl the choices go as a card). */
  title: string | null;
  /** SEND_CHOICES: the buttons. */
  choices: AgentChoiceItem[];
}

/** One button of a SEND_CHOICES command. */
export interface AgentChoiceItem {
  /** TEXT (a reply button), URL (opens `url`) or CALL (calls `phoneNumber`). */
  kind: string;
  title: string;
  postbackData: string | null;
  url: string | null;
  phoneNumber: string | null;
}
