export type * from './agent-event';
export type * from './agent-command';
export type * from './media-outcome';
export type * from './raw-webhook-record';
export type * from './outbound-record';
export type * from './lookup-answer';
export type * from './dead-letter';
export type * from './rejected-webhook-record';
