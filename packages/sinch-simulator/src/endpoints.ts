/** Names of the simulated endpoints, used to record requests and to script failures. */
export const SIM_ENDPOINTS = [
  'oauth2:token',
  'messages:send',
  'conversations:stop',
  'contacts:get',
  'contacts:getChannelProfile',
  'apps:get',
  'webhooks:list',
  'webhooks:create',
  'webhooks:update',
  'optins:register',
  'optouts:register',
  'templates:list',
] as const;

export type SimEndpoint = (typeof SIM_ENDPOINTS)[number];
