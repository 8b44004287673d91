/** The local infrastructure as a library: what the demo, the test set-up and the test kit start and stop. */
export * from './local/settings';
export * from './local/processes';
export * from './local/kafka';
export * from './local/registry';
export * from './local/postgres';
export * from './local/local-infra';
export * from './local/s3mock';
