import { parseSinchApiConfig } from './config';

describe('parseSinchApiConfig', () => {
  const valid = { projectId: 'p', keyId: 'k', keySecret: 'super-secret', region: 'eu' as const };

  it('applies the documented default timeout', () => {
    expect(parseSinchApiConfig(valid).timeoutMs).toBe(10_000);
  });

  it('says how to fix a wrong setting, without echoing the secret', () => {
    const attempt = () =>
      parseSinchApiConfig({ ...valid, region: 'ap' as 'eu', conversationBaseUrl: 'not a url' });
    expect(attempt).toThrow(/region: region must be us, eu or br/);
    expect(attempt).toThrow(/conversationBaseUrl/);
    expect(attempt).not.toThrow(/super-secret/);
  });
});
