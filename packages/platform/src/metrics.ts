import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The metric catalogue (docs/CONVENTIONS.md#telemetry-names-in-one-catalogue): every metric of every service is declared here,
 * once, with its help text; handlers use the returned objects, never ad-hoc names.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    buckets: number[],
  ) => new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const ms = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

  return {
    registry,
    // ingress
    webhookRequests: counter(
      'cpm_webhook_requests_total',
      'Webhook requests by outcome (accepted, rejected reason, unavailable).',
      ['outcome', 'trigger'],
    ),
    webhookLatency: histogram(
      'cpm_webhook_latency_ms',
      'Time from request to answer, ms.',
      ['outcome'],
      ms,
    ),
    webhookBatchSize: histogram(
      'cpm_webhook_batch_size',
      'Records per Kafka send of the ingress.',
      [],
      [1, 2, 5, 10, 25, 50, 100, 250, 500],
    ),
    kafkaErrors: counter('cpm_kafka_errors_total', 'Kafka operations that failed, by operation.', [
      'operation',
    ]),
    dispatchModeWebhooks: counter(
      'cpm_dispatch_mode_webhooks_total',
      'Callbacks with empty contact/conversation ids: the app is in DISPATCH mode, Contact Pro needs CONVERSATION mode.',
      ['app_id'],
    ),
    unknownTriggers: counter(
      'cpm_unknown_trigger_webhooks_total',
      'Callbacks with no known trigger key (stored and flagged).',
      [],
    ),
    // consumers
    recordsProcessed: counter(
      'cpm_records_processed_total',
      'Records consumed and processed, by topic.',
      ['topic'],
    ),
    recordsProduced: counter('cpm_records_produced_total', 'Records produced, by topic and type.', [
      'topic',
      'type',
    ]),
    deadLetters: counter('cpm_dead_letters_total', 'Records sent to a DLQ, by error code.', [
      'topic',
      'code',
    ]),
    duplicatesDropped: counter(
      'cpm_duplicates_dropped_total',
      'Events dropped as duplicates of an earlier one.',
      ['type'],
    ),
    timeSkew: histogram(
      'cpm_time_skew_seconds',
      'Time between two steps of a webhook on its way in, from the log (docs/DOMAIN.md#times): channel→sinch (event_time to accept time), sinch→ingress (accept time to receipt), ingress→kafka (receipt to LogAppendTime). Negative when the later clock is behind.',
      ['from', 'to'],
      [-60, -10, -1, -0.1, 0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    ),
    corrections: counter('cpm_channel_corrections_total', 'MMS channel corrections applied.', [
      'rule',
    ]),
    consumerLag: gauge(
      'cpm_consumer_lag',
      "Records not yet processed: the partition's last stable offset minus the consumer's committed position, per assigned partition, every CONSUMER_LAG_INTERVAL_MS.",
      ['topic', 'partition'],
    ),
    batchDuration: histogram(
      'cpm_batch_duration_ms',
      'Time to process one consumed batch, ms.',
      ['topic'],
      ms,
    ),
    quotesHidden: counter(
      'cpm_quotes_hidden_total',
      'Customer quotes not shown to the agent, by reason.',
      ['reason'],
    ),
    attachedDataInvalid: counter(
      'cpm_attached_data_invalid_total',
      'Metadata that was not valid key-value JSON.',
      [],
    ),
    outboundSends: counter(
      'cpm_outbound_sends_total',
      'Commands sent to the Conversation API, by type and outcome.',
      ['type', 'outcome'],
    ),
    mediaDownloads: counter('cpm_media_downloads_total', 'Customer media downloads, by outcome.', [
      'outcome',
    ]),
    // agent-events (appended)
    sinchLookups: counter(
      'cpm_sinch_lookups_total',
      'Display-name look-ups, by kind, outcome and mode (live: asked Sinch; replay: read from sinch.lookups.v1).',
      ['kind', 'outcome', 'mode'],
    ),
    // console (appended)
    consoleClients: gauge(
      'cpm_console_clients',
      'Browsers connected to the agent console (SSE streams open).',
      [],
    ),
    consoleRecordsSkipped: counter(
      'cpm_console_records_skipped_total',
      'Records the agent console could not decode or show, by topic.',
      ['topic'],
    ),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
