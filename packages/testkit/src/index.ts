export * from './test-env';
export * from './read-topic';
export * from './signed-post';
export * from './fixtures';
export * from './private-broker';
export * from './webhook-load';
