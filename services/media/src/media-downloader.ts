import type { IncomingMessage } from 'node:http';
import type { AddressGuard } from './address-guard';
import type { BlobStore, StoredBlob } from './blob-store';
import type { ContentSniffer } from './content-sniffer';
import { BlobStoreError, DownloadError, type FailureReason } from './media-error';
import { asDownloadError, pinnedGet, type Timeouts } from './pinned-get';

export interface DownloaderOptions extends Timeouts {
  guard: AddressGuard;
  store: BlobStore;
  sniffer: ContentSniffer;
  allowedTypes: readonly string[];
  maxBytes: number;
  maxRedirects: number;
  /** Attempts in all (first try included) for retriable failures. */
  attempts: number;
  /** Backoff before retry n (1-based): min(base * 2^(n-1), max). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Called right before a connection is opened, with the checked address: instrumentation and tests. */
  onConnect?: (address: string, url: string) => void;
}

export type DownloadOutcome =
  | { status: 'READY'; blob: StoredBlob; created: boolean; attempts: number }
  | { status: 'FAILED'; reason: FailureReason; message: string; attempts: number };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Downloads one customer file into the store: SSRF-checked (every redirect too), streamed,
 * size-capped, typed from its bytes, retried with backoff on network errors, timeouts and
 * 5xx, never on 4xx. Download failures are outcomes; only a store failure throws.
 */
export class MediaDownloader {
  private readonly allowedTypes: Set<string>;

  constructor(private readonly o: DownloaderOptions) {
    this.allowedTypes = new Set(o.allowedTypes);
  }

  async download(sourceUrl: string): Promise<DownloadOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { blob, created } = await this.attempt(sourceUrl);
        return { status: 'READY', blob, created, attempts: attempt };
      } catch (error) {
        if (!(error instanceof DownloadError)) throw error;
        if (!error.retriable || attempt >= this.o.attempts)
          return {
            status: 'FAILED',
            reason: error.reason,
            message: error.message,
            attempts: attempt,
          };
        await sleep(Math.min(this.o.backoffBaseMs * 2 ** (attempt - 1), this.o.backoffMaxMs));
      }
    }
  }

  private async attempt(sourceUrl: string): Promise<{ blob: StoredBlob; created: boolean }> {
    let url: URL;
    try {
      url = new URL(sourceUrl);
    } catch {
      throw new DownloadError('INVALID_URL', `not a URL: ${sourceUrl.slice(0, 200)}`, false);
    }
    for (let redirects = 0; ; redirects++) {
      const target = await this.o.guard.check(url);
      this.o.onConnect?.(target.address, url.href);
      const res = await pinnedGet(url, target, this.o);
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status) && res.headers.location) {
        res.resume();
        if (redirects >= this.o.maxRedirects)
          throw new DownloadError(
            'TOO_MANY_REDIRECTS',
            `more than ${this.o.maxRedirects} redirects`,
            false,
          );
        url = new URL(res.headers.location, url);
        continue;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw new DownloadError(`HTTP_${status}`, `${url.host} answered ${status}`, status >= 500);
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > this.o.maxBytes) {
        res.destroy();
        throw new DownloadError(
          'TOO_LARGE',
          `${declared} bytes declared, limit ${this.o.maxBytes}`,
          false,
        );
      }
      return this.store(res, url);
    }
  }

  private async store(
    res: IncomingMessage,
    url: URL,
  ): Promise<{ blob: StoredBlob; created: boolean }> {
    const upload = await this.o.store.begin(this.o.sniffer.headBytes);
    let contentType: string | null = null;
    const declared = { contentType: res.headers['content-type'] ?? null, name: url.pathname };
    const typeOf = (): string => {
      const sniffed = this.o.sniffer.sniff(upload.head, declared);
      if (!sniffed || !this.allowedTypes.has(sniffed))
        throw new DownloadError(
          'TYPE_NOT_ALLOWED',
          `content is ${sniffed ?? 'of an unknown type'}`,
          false,
        );
      return sniffed;
    };
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        if (upload.size + chunk.length > this.o.maxBytes)
          throw new DownloadError('TOO_LARGE', `more than ${this.o.maxBytes} bytes`, false);
        await upload.write(chunk);
        // Refuse a wrong type as soon as its head is known, not after the whole file.
        if (contentType === null && upload.head.length >= this.o.sniffer.headBytes)
          contentType = typeOf();
      }
      contentType ??= typeOf();
    } catch (error) {
      res.destroy();
      await upload.abort();
      throw error instanceof BlobStoreError ? error : asDownloadError(error);
    }
    const { created, ...blob } = await upload.commit(contentType);
    return { blob, created };
  }
}
