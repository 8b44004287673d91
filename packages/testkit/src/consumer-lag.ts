/** The `cpm_consumer_lag` lines a service's `/metrics` shows now, one per assigned partition. */
export async function consumerLagLines(serviceUrl: string): Promise<string[]> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('cpm_consumer_lag{'));
}

/**
 * Polls a consumer service's `/metrics` (every 200 ms, 20 s at most) until `partitions` lag
 * lines read 0; returns the lines seen last, for the test to assert on.
 */
export async function waitForZeroLag(serviceUrl: string, partitions: number): Promise<string[]> {
  let lines = await consumerLagLines(serviceUrl);
  for (let i = 0; i < 100 && lines.filter((l) => l.endsWith(' 0')).length < partitions; i++) {
    await new Promise((r) => setTimeout(r, 200));
    lines = await consumerLagLines(serviceUrl);
  }
  return lines;
}
