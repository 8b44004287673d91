import { readFileSync } from 'node:fs';
import { AppError, ERROR_CATALOGUE, errorCode, isRetriable } from './index';
import { renderErrorsDoc } from './errors-doc';
import { ERRORS_DOC_PATH } from './errors-doc-cli';

describe('docs/ERRORS.md', () => {
  it('is what the generator writes from the catalogue (run `npm run errors:doc -w @cpm/errors` after changing it)', () => {
    expect(readFileSync(ERRORS_DOC_PATH, 'utf8')).toBe(renderErrorsDoc());
  });

  it('lists every code with its cause, what to do, whether it is retriable and its HTTP status', () => {
    const doc = renderErrorsDoc();
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(doc).toContain(`## ${code}\n\n${entry.cause}\n\n- **What to do**: ${entry.action}\n`);
      expect(doc).toMatch(
        new RegExp(`## ${code}\\n[^#]*\\*\\*HTTP status\\*\\*: ${entry.httpStatus}\\n`),
      );
    }
  });
});

describe('AppError', () => {
  it('takes retriable and HTTP status from the catalogue', () => {
    const error = new AppError('CPM_ERR_KAFKA_UNAVAILABLE', 'down', {
      cause: new Error('timeout'),
    });
    expect(error).toMatchObject({
      code: 'CPM_ERR_KAFKA_UNAVAILABLE',
      retriable: true,
      httpStatus: 503,
      decision: 'RETRY',
      name: 'AppError',
    });
    expect((error.cause as Error).message).toBe('timeout');
    expect(new AppError('CPM_ERR_WEBHOOK_NOT_JSON', 'x')).toMatchObject({
      retriable: false,
      httpStatus: 400,
      decision: 'DLQ',
    });
  });

  it('lets the error decide where the catalogue says it depends', () => {
    expect(new AppError('CPM_ERR_MEDIA_HTTP', 'HTTP 503', { retriable: true }).retriable).toBe(
      true,
    );
    expect(new AppError('CPM_ERR_MEDIA_HTTP', 'HTTP 404', { retriable: false }).retriable).toBe(
      false,
    );
  });

  it('classifies foreign errors: kafkajs marks retriable ones, Node network errors have an errno code', () => {
    expect(errorCode(new TypeError('boom'))).toBe('CPM_ERR_UNEXPECTED');
    expect(isRetriable(Object.assign(new Error('leader moved'), { retriable: true }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetriable(new TypeError('boom'))).toBe(false);
  });

  it('has every code in the CPM_ERR_ namespace', () => {
    expect(Object.keys(ERROR_CATALOGUE).filter((code) => !/^CPM_ERR_[A-Z_]+$/.test(code))).toEqual(
      [],
    );
  });
});
