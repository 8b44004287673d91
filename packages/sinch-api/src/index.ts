export * from './sinch-api';
export * from './sinch-api-error';
export * from './config';
export * from './send-request';
export * from './app-messages';
export * from './webhook-triggers';
export * from './webhook-plan';
