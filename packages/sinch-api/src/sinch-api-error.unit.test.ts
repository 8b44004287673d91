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
  ])('HTTP %i is %s, retriable %s', (status, code, retriable) => {
    expect(SinchApiError.from('op', failed(status))).toMatchObject({ code, httpStatus: status, retriable });
  });

  it("takes the code and reason from the API's error body", () => {
    const error = SinchApiError.from(
      'sendText',
      failed(400, { error: { code: 400, status: 'FAILED_PRECONDITION', message: 'app has no WHATSAPP credentials' } }),
    );
    expect(error).toMatchObject({ code: 'FAILED_PRECONDITION', retriable: false, operation: 'sendText' });
    expect(error.message).toBe('sendText failed with HTTP 400 FAILED_PRECONDITION: app has no WHATSAPP credentials');
  });

  it('network failures are retriable, without an HTTP status', () => {
    expect(SinchApiError.from('op', new EmptyResponseError('connect ECONNREFUSED', {}))).toMatchObject({
      code: 'NETWORK_ERROR',
      httpStatus: null,
      retriable: true,
    });
    const fetchError = Object.assign(new Error('socket hang up'), { name: 'FetchError' });
    expect(SinchApiError.from('op', fetchError)).toMatchObject({ code: 'NETWORK_ERROR', retriable: true });
  });

  it('anything else is UNEXPECTED and not retriable', () => {
    expect(SinchApiError.from('op', new TypeError('boom'))).toMatchObject({ code: 'UNEXPECTED', retriable: false });
  });
});
