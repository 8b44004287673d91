// The agent.commands.v1 contract is shared with its writers: it lives in @cpm/contracts.
export type { AgentCommand } from '@cpm/contracts';
