import { EmptyResponseError, RequestFailedError } from '@sinch/conversation';
import { SinchApiError } from './sinch-api-error';

describe('SinchApiError.from', () => {
  const failed = (status: number, body?: unknown) => new RequestFailedError('x', status, {}, body);

  it.each([
    [500, 'INTERNAL', true],
    [503, 'UNAVAILABLE', true],
    [429, 'RESOURCE_EXHAUSTED', true],
    [400, 'INVALID_ARGUMENT', false],
    [401, 'UNAUTHENTICATED', false],
    [404, 'NOT_FOUND', false],
    [418, 'HTTP_418', false],
  ])('HTTP %i is %s, retriable %s', (status, reason, retriable) => {
    const code = retriable ? 'CPM_ERR_SINCH_UNAVAILABLE' : 'CPM_ERR_SINCH_REFUSED';
    expect(SinchApiError.from('op', failed(status))).toMatchObject({
      code,
      reason,
      apiHttpStatus: status,
      retriable,
    });
  });

  it("takes the reason and its message from the API's error body", () => {
    const error = SinchApiError.from(
      'sendText',
      failed(400, {
        error: {
          code: 400,
          status: 'FAILED_PRECONDITION',
          message: 'app has no WHATSAPP credentials',
        },
      }),
    );
    expect(error).toMatchObject({
      code: 'CPM_ERR_SINCH_REFUSED',
      reason: 'FAILED_PRECONDITION',
      retriable: false,
    });
    expect(error.message).toBe(
      'sendText failed with HTTP 400 FAILED_PRECONDITION: app has no WHATSAPP credentials',
    );
  });

  it('network failures are retriable, without an HTTP status; the outcome is unknown once the connection was open', () => {
    const refused =
      'request to http://127.0.0.1:1/x failed, reason: connect ECONNREFUSED 127.0.0.1:1';
    expect(SinchApiError.from('op', new EmptyResponseError(refused, {}))).toMatchObject({
      code: 'CPM_ERR_SINCH_UNAVAILABLE',
      reason: 'NETWORK_ERROR',
      apiHttpStatus: null,
      retriable: true,
      outcomeUnknown: false, // never connected: the request did not leave
    });
    const fetchError = Object.assign(new Error('socket hang up'), { name: 'FetchError' });
    expect(SinchApiError.from('op', fetchError)).toMatchObject({
      code: 'CPM_ERR_SINCH_UNAVAILABLE',
      reason: 'NETWORK_ERROR',
      retriable: true,
      outcomeUnknown: true,
    });
    expect(
      SinchApiError.from('op', new EmptyResponseError('The user aborted a request.', {})),
    ).toMatchObject({ reason: 'NETWORK_ERROR', outcomeUnknown: true });
    expect(SinchApiError.fromHttp('op', 503, undefined).outcomeUnknown).toBe(false); // answered: refused
  });

  it('anything else is unexpected and not retriable', () => {
    expect(SinchApiError.from('op', new TypeError('boom'))).toMatchObject({
      code: 'CPM_ERR_SINCH_UNEXPECTED',
      reason: 'UNEXPECTED',
      retriable: false,
    });
  });
});
