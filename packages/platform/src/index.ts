export * from './config';
export * from './logger';
export * from './errors';
export * from './metrics';
export * from './ops-routes';
export * from './run-service';
export * from './listen';
export * from './process-name';
