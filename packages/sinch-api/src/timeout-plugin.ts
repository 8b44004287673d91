import type { SinchClientParameters } from '@sinch/conversation';

// The SDK does not export its plugin types by name; derive them from the parameters it takes.
type RequestPlugin = NonNullable<SinchClientParameters['requestPlugins']>[number];
type RequestOptions = Parameters<ReturnType<RequestPlugin['load']>['transform']>[0];

/**
 * The SDK's fetch has no timeout; a hung connection would block a send forever. This request
 * plugin gives every API call an abort signal. An aborted call surfaces as a retriable
 * CPM_ERR_SINCH_UNAVAILABLE with reason NETWORK_ERROR (see SinchApiError).
 */
export function timeoutPlugin(timeoutMs: number): RequestPlugin {
  return {
    getName: () => 'TimeoutRequest',
    load: () => ({
      // node-fetch honours `signal`; the SDK's option type does not declare it.
      transform: (options: RequestOptions): RequestOptions =>
        Object.assign(options, { signal: AbortSignal.timeout(timeoutMs) }),
    }),
  };
}
