import autocannon, { type AutocannonClient, type AutocannonRequest } from 'autocannon';

export interface LoadOptions {
  url: string;
  requests: AutocannonRequest[];
  connections: number;
  seconds: number;
  /** Fixed total rate in requests/s; none: as fast as the server answers. */
  rate?: number;
  /**
   * How a fixed rate is sent. 'autocannon': its own `overallRate`, which lets each connection
   * send its per-second quota back to back at the top of every second (all connections in
   * step), so 1,000 req/s arrive as one burst per second. 'paced': the same per-connection
   * rate spread evenly, one request per connection every 1000/rate ms, connections out of
   * phase: an even 1,000 req/s, which is what Sinch's retrying senders look like.
   */
  pacing?: 'autocannon' | 'paced';
}

export interface LoadFigures {
  /** From autocannon's 'start' (clients built) to its end; its own `duration` also counts building each client's copy of the requests. */
  seconds: number;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx answers per second over `seconds`. */
  okPerSecond: number;
  /** Latency of 2xx answers, ms, exact percentiles over every response. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Starts each connection at a different place in the pool (autocannon starts them all at
 * the first request), and, for 'paced', replaces autocannon's per-second rate window by an
 * even one-request tick per connection (autocannon 9 internals: lib/httpClient.js).
 */
function clientSetup(options: LoadOptions): (client: AutocannonClient) => void {
  let index = 0;
  const stride = Math.max(1, Math.floor(options.requests.length / options.connections));
  return (client) => {
    const it = client.requestIterator;
    const start = (index++ * stride) % it.requests.length;
    it.currentRequestIndex = start;
    it.currentRequest = it.requests[start]!;
    if (options.pacing !== 'paced' || !client.rate) return;
    const tickMs = 1000 / client.rate;
    const phaseMs = (index * tickMs) / options.connections;
    client.rate = 1; // one request per tick
    client.reqsMadeThisSecond = Number.POSITIVE_INFINITY; // hold the first request until its phase
    setTimeout(() => {
      clearInterval(client.rateInterval);
      const tick = (): void => {
        client.reqsMadeThisSecond = 0;
        if (client.paused) {
          client.paused = false;
          client._doRequest();
        }
      };
      client.rateInterval = setInterval(tick, tickMs); // cleared by autocannon when the client is done
      tick();
    }, phaseMs);
  };
}

/** One autocannon run; latencies are taken from every response, with µs precision. */
export function runLoad(options: LoadOptions): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16);
    let count = 0;
    let startedAt = performance.now();
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1, // Sinch waits for each answer on a connection
        duration: options.seconds,
        timeout: 10,
        requests: options.requests,
        setupClient: clientSetup(options),
        ...(options.rate !== undefined && {
          overallRate: options.rate,
          ignoreCoordinatedOmission: true,
        }),
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = latencies.subarray(0, count).sort();
        const seconds = (performance.now() - startedAt) / 1000;
        resolve({
          seconds,
          sent: result.requests.sent,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          okPerSecond: result['2xx'] / seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          p999: percentile(sorted, 99.9),
          max: percentile(sorted, 100),
        });
      },
    );
    instance.on('start', () => {
      startedAt = performance.now();
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode >= 300) return;
      if (count === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[count++] = responseTime;
    });
  });
}
