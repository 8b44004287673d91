export * from './config';
export * from './agent-command';
export * from './send-plan';
export * from './decide-command';
export * from './outbound-state';
export * from './outbound-record';
export * from './outbound';
export * from './setup-webhook';
