export * from './config';
export * from './ingress';
export * from './raw-record';
