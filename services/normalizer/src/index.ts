export * from './config';
export * from './normalizer';
export * from './normalizer-handler';
