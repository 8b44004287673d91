export type * from './agent-event';
export type * from './agent-command';
export type * from './media-outcome';
