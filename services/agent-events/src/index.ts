// @cpm/agent-events: the Contact Pro view of every conversation (agent.events.v1).
export * from './config';
export * from './agent-event';
export * from './agent-state';
export * from './name-lookup';
export * from './agent-events-handler';
export * from './output-topics';
export * from './agent-events';
export * from './lookup-log';
