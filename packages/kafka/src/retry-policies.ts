import type { RetryOptions } from 'kafkajs';

/**
 * A long-running service's consumer restarts after any crash, retriable or not (kafkajs
 * gives up for good on e.g. "Failed to find group coordinator" after a broker restart,
 * which left a live process that consumed nothing). kafkajs backs off between restarts.
 */
export const SERVICE_CONSUMER_RETRY: RetryOptions = {
  retries: 10,
  initialRetryTime: 300,
  maxRetryTime: 10_000,
  restartOnFailure: async () => true,
};

/**
 * Transactional producers retry fast. kafkajs speaks the first transaction protocol
 * (transaction version 0: AddPartitionsToTxn from the client), under which the coordinator
 * answers CONCURRENT_TRANSACTIONS to AddPartitionsToTxn, AddOffsetsToTxn and InitProducerId
 * of a transactional id while that id's previous EndTxn is still completing: EndTxn returns
 * once PREPARE_COMMIT is logged, then the coordinator writes the markers (WriteTxnMarkers,
 * 2 ms at p50 on the local broker) and logs COMPLETE_COMMIT. That is Kafka's design (its
 * broker log at DEBUG says "Returning CONCURRENT_TRANSACTIONS error code to client for
 * <id>'s AddPartitions request" for each, while the markers are in flight), and it meets
 * nearly every transaction that follows another of the same producer at once: 240–275 of
 * 300 back to back, one retry each (bench/RESULTS.md, issue 18). kafkajs's default first
 * retry (300 ms) put that much latency on every batch; 10 ms cost 10 ms a transaction, 2 ms
 * 7.5 ms a transaction back to back, 1 ms 6.5–6.8 ms (4.6 ms when the markers are done
 * before the next one starts). Each retry also refreshes the metadata (sendMessages.js).
 * The retries double from there (randomized ±20%), up to 1 s: about 20 s in all.
 */
export const TRANSACTIONAL_PRODUCER_RETRY: RetryOptions = {
  retries: 30,
  initialRetryTime: 1,
  maxRetryTime: 1_000,
};
