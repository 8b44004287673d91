export * from './sinch-simulator';
export * from './simulator-options';
export * from './endpoints';
export * from './scripted-responses';
export * from './scripted-customer';
export * from './request-log';
export * from './webhook-dispatcher';
export * from './delivery-reporter';
export * from './sample-media';
export * from './sample-templates';
export * from './callbacks';
export type {
  SimState,
  SimApp,
  SimContact,
  SimConversation,
  SimWebhook,
  SimChannelIdentity,
  ProcessingMode,
  SimTemplate,
} from './sim-state';
export type { SimCredentials } from './routes/auth-routes';
