import { AppError, httpAnswer } from './errors';

describe('httpAnswer', () => {
  it('answers our errors with their code, message and the status of the catalogue', () => {
    expect(httpAnswer(new AppError('CPM_ERR_BAD_QUERY', 'limit must be a number'))).toEqual({
      status: 400,
      body: { code: 'CPM_ERR_BAD_QUERY', message: 'limit must be a number' },
    });
  });

  it("maps the body parser's refusals, and anything else to CPM_ERR_UNEXPECTED", () => {
    const parserError = (status: number, fields: object) =>
      Object.assign(new Error('parser says no'), { status, ...fields });
    expect(httpAnswer(parserError(413, { type: 'entity.too.large' }))).toMatchObject({
      status: 413,
      body: { code: 'CPM_ERR_PAYLOAD_TOO_LARGE' },
    });
    expect(httpAnswer(parserError(415, { type: 'encoding.unsupported' }))).toMatchObject({
      status: 415,
      body: { code: 'CPM_ERR_UNSUPPORTED_MEDIA_TYPE' },
    });
    expect(httpAnswer(parserError(400, { expose: true }))).toMatchObject({
      status: 400,
      body: { code: 'CPM_ERR_BAD_REQUEST', message: 'parser says no' },
    });
    expect(httpAnswer(new TypeError('boom'))).toEqual({
      status: 500,
      body: { code: 'CPM_ERR_UNEXPECTED', message: 'boom' },
    });
  });
});
