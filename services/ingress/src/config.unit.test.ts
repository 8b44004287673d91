import { ConfigError } from '@cpm/platform';
import { loadIngressConfig } from './config';

describe('ingress configuration: signatures fail closed', () => {
  it('refuses to start without a webhook secret, and says how to fix it', () => {
    expect(() => loadIngressConfig({})).toThrow(ConfigError);
    expect(() => loadIngressConfig({ SINCH_WEBHOOK_SECRETS: ' , ' })).toThrow(
      /SINCH_WEBHOOK_SECRETS: no webhook secret.*INGRESS_INSECURE_ACCEPT_UNSIGNED=true/,
    );
  });

  it('checks signatures with the secrets it is given, newest first', () => {
    const config = loadIngressConfig({ SINCH_WEBHOOK_SECRETS: 'new,old' });
    expect(config.SINCH_WEBHOOK_SECRETS).toEqual(['new', 'old']);
    expect(config.INGRESS_INSECURE_ACCEPT_UNSIGNED).toBe(false);
  });

  it('accepts unsigned webhooks only when that is chosen by name', () => {
    expect(
      loadIngressConfig({ INGRESS_INSECURE_ACCEPT_UNSIGNED: 'true' }).SINCH_WEBHOOK_SECRETS,
    ).toEqual([]);
  });

  it('refuses secrets and unsigned acceptance together', () => {
    expect(() =>
      loadIngressConfig({ SINCH_WEBHOOK_SECRETS: 's', INGRESS_INSECURE_ACCEPT_UNSIGNED: 'true' }),
    ).toThrow(/INGRESS_INSECURE_ACCEPT_UNSIGNED: set together/);
  });
});
