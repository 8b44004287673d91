import { loadMediaConfig } from './config';

const required = {
  MEDIA_AGENT_TOKEN: 'agent-token-0123456789',
  MEDIA_URL_SECRET: 'test-url-secret-0123456789abcdef0123',
};

describe('media config', () => {
  it('keeps media in PostgreSQL by default', () => {
    expect(loadMediaConfig(required).MEDIA_STORE).toBe('postgres');
  });

  it('refuses to start with MEDIA_STORE=s3 without bucket, endpoint and credentials, naming each', () => {
    expect(() => loadMediaConfig({ ...required, MEDIA_STORE: 's3' })).toThrow(
      /MEDIA_S3_BUCKET: required with MEDIA_STORE=s3[\s\S]*MEDIA_S3_ENDPOINT: required[\s\S]*MEDIA_S3_ACCESS_KEY_ID: required[\s\S]*MEDIA_S3_SECRET_ACCESS_KEY: required/,
    );
    const withoutSecret = {
      ...required,
      MEDIA_STORE: 's3',
      MEDIA_S3_BUCKET: 'media',
      MEDIA_S3_ENDPOINT: 'http://127.0.0.1:9000',
      MEDIA_S3_ACCESS_KEY_ID: 'key',
    };
    expect(() => loadMediaConfig(withoutSecret)).toThrow(
      /MEDIA_S3_SECRET_ACCESS_KEY: required with MEDIA_STORE=s3/,
    );
    expect(
      loadMediaConfig({ ...withoutSecret, MEDIA_S3_SECRET_ACCESS_KEY: 'secret' }).MEDIA_S3_BUCKET,
    ).toBe('media');
  });

  it('refuses an unknown store', () => {
    expect(() => loadMediaConfig({ ...required, MEDIA_STORE: 'nfs' })).toThrow(/MEDIA_STORE/);
  });
});
