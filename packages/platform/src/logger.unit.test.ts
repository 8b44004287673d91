import { logFormat } from './logger';

describe('logFormat', () => {
  it('is pretty at a terminal and JSON elsewhere when LOG_FORMAT is unset', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
  });

  it('follows LOG_FORMAT whatever the output is', () => {
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });

  it('refuses another value with the values it takes', () => {
    expect(() => logFormat({ LOG_FORMAT: 'yaml' }, true)).toThrow(
      /LOG_FORMAT must be "json" or "pretty"/,
    );
  });
});
