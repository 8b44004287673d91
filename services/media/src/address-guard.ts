import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress } from './address-class';
import { DownloadError } from './media-error';

export interface CheckedTarget {
  /** The address the connection is pinned to: the one that was checked. */
  address: string;
  family: 4 | 6;
  /** The URL's host name without IPv6 brackets, lower case. */
  hostname: string;
}

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * SSRF guard, before any connection: http(s) only; the host is resolved (every address)
 * and refused unless all its addresses are public, or the operator allow-listed the host
 * (MEDIA_ALLOWED_HOSTS). The caller connects to the returned address, never resolves again,
 * so a DNS answer cannot change between the check and the connection (rebinding).
 */
export class AddressGuard {
  private readonly allowed: Set<string>;

  constructor(
    allowedHosts: readonly string[],
    private readonly lookup: Lookup = systemLookup,
  ) {
    this.allowed = new Set(allowedHosts.map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1')));
  }

  async check(url: URL): Promise<CheckedTarget> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new DownloadError('BLOCKED_SCHEME', `scheme ${url.protocol} is not allowed`, false);
    const hostname = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    const addresses = isIP(hostname)
      ? [{ address: hostname, family: isIP(hostname) }]
      : await this.resolve(hostname);
    if (addresses.length === 0)
      throw new DownloadError('DNS_FAILED', `${hostname} has no address`, false);
    if (!this.allowed.has(hostname)) {
      for (const { address } of addresses) {
        const cls = classifyAddress(address);
        if (cls !== 'PUBLIC')
          throw new DownloadError(
            'BLOCKED_ADDRESS',
            `${hostname === address ? address : `${hostname} resolves to ${address}`} is ${cls}; allow the host in MEDIA_ALLOWED_HOSTS if it is trusted`,
            false,
          );
      }
    }
    const first = addresses[0]!;
    return { address: first.address, family: first.family === 6 ? 6 : 4, hostname };
  }

  private async resolve(hostname: string): Promise<{ address: string; family: number }[]> {
    try {
      return await this.lookup(hostname);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new DownloadError(
        'DNS_FAILED',
        `cannot resolve ${hostname}: ${code ?? (error as Error).message}`,
        code === 'EAI_AGAIN',
        error,
      );
    }
  }
}
