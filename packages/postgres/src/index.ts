export * from './pool';
export * from './migrate';
export * from './resilience';
export * from './topic-namespace';
