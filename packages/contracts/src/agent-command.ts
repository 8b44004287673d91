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
}
