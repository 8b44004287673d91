import { z } from 'zod';
import { loadConfig } from '@cpm/platform';

const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);

/** Bench knobs, from the environment; defaults keep a whole run under ~3 minutes. */
export const benchSettingsSchema = z.object({
  BENCH_SECONDS: seconds(12), // length of each max-throughput measurement
  BENCH_RATE_SECONDS: seconds(8), // length of each fixed-rate measurement (two per target and round)
  BENCH_WARMUP_SECONDS: seconds(3), // unmeasured load before each target's measurements
  BENCH_CONNECTIONS: z.coerce.number().int().positive().default(50), // concurrent connections, one request in flight each
  BENCH_RATE: z.coerce.number().int().positive().default(1000), // the fixed rate, requests/s
  BENCH_ROUNDS: z.coerce.number().int().positive().default(2), // rounds; the order of the targets alternates
  BENCH_POOL: z.coerce.number().int().positive().default(400), // distinct signed bodies sent in rotation
  BENCH_CONTACTS: z.coerce.number().int().positive().default(200), // distinct customers (record keys) in the pool
  BENCH_P99_RATIO_TARGET: z.coerce.number().positive().default(1.25), // target ingress/baseline p99 at the fixed rate, evenly paced (means over the rounds)
  BENCH_RATIO_TARGET: z.coerce.number().positive().default(0.9), // target ingress/baseline throughput
  // Comma-separated, of baseline, baseline+kafka, ingress; fewer than all three: for investigating, no comparison.
  BENCH_TARGETS: z
    .string()
    .regex(
      /^(baseline|baseline\+kafka|ingress)(,(baseline|baseline\+kafka|ingress))*$/,
      'a comma-separated list of baseline, baseline+kafka, ingress',
    )
    .default('baseline,baseline+kafka,ingress'),
  BENCH_WRITE_RESULTS: z.enum(['true', 'false', '1', '0']).default('true'), // update bench/RESULTS.md
  KAFKA_BROKERS: z.string().default('127.0.0.1:19092'),
  SCHEMA_REGISTRY_URL: z.string().url().default('http://127.0.0.1:18081/apis/ccompat/v7'),
});

export type BenchSettings = z.infer<typeof benchSettingsSchema>;

export const loadBenchSettings = (env: NodeJS.ProcessEnv): BenchSettings =>
  loadConfig(benchSettingsSchema, env);
