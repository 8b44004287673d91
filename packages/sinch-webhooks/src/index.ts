export * from './triggers';
export * from './signature';
export * from './phone';
export * from './customer-key';
export * from './keyring';
