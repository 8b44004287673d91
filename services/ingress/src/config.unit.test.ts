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

  it('takes the keyring form as a secret, and refuses it together with unsigned acceptance', () => {
    const keyring = JSON.stringify([{ id: 'current', secret: 's', validFrom: '2026-01-01' }]);
    const config = loadIngressConfig({ SINCH_WEBHOOK_KEYRING: keyring });
    expect(config.SINCH_WEBHOOK_KEYRING?.map((k) => k.id)).toEqual(['current']);
    expect(() =>
      loadIngressConfig({
        SINCH_WEBHOOK_KEYRING: keyring,
        INGRESS_INSECURE_ACCEPT_UNSIGNED: 'true',
      }),
    ).toThrow(/INGRESS_INSECURE_ACCEPT_UNSIGNED: set together/);
    expect(() => loadIngressConfig({ SINCH_WEBHOOK_KEYRING: '[]' })).toThrow(
      /SINCH_WEBHOOK_KEYRING: an empty keyring/,
    );
  });
});
