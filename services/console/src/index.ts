export * from './config';
export * from './console';
export * from './console-input';
export * from './view-model';
export * from './reply-command';
export * from './errors';
export { hashPassword } from './agent-auth';
