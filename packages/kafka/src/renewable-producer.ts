import type { Kafka, Producer, Transaction } from 'kafkajs';
import type { Logger } from '@cpm/platform';
import { producerWithCachedCoordinators } from './coordinator-cache';
import { TRANSACTIONAL_PRODUCER_RETRY } from './retry-policies';

/**
 * A transactional producer that replaces itself after a failed transaction. kafkajs leaves
 * a producer whose abort failed (the broker was gone) in state ABORTING for good; a new
 * producer with the same transactional id fences the old one and aborts its open
 * transaction (InitProducerId), so replacing it is safe where the transactional id belongs
 * to this process alone. Where it belongs to a partition (TransactionalProcessor), a renewal
 * in the middle of processing would fence the partition's rightful owner: the processor
 * makes a new producer only in a restore, and never uses one again after a failure.
 */
export class RenewableTransactionalProducer {
  private producer: Producer | null = null;
  private broken = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly transactionalId: string,
    private readonly logger: Logger,
  ) {}

  async connect(): Promise<void> {
    const producer = producerWithCachedCoordinators(this.kafka, {
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 30_000,
      retry: TRANSACTIONAL_PRODUCER_RETRY,
    });
    try {
      await producer.connect();
      // kafkajs's connect() gets a producer id without the transactional id; the
      // transactional InitProducerId runs on the first transaction() only. Run it now: it
      // fences an earlier producer with this id, and returns only once that producer's last
      // transaction is complete (aborted if it was open; markers written if it was
      // committing; kafkajs retries CONCURRENT_TRANSACTIONS until then). An empty
      // transaction's abort sends nothing to the broker.
      const tx = await producer.transaction();
      await tx.abort();
    } catch (error) {
      // Half connected (the broker answered, InitProducerId did not): close what is open.
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.producer = producer;
    this.broken = false;
  }

  async transaction(): Promise<Transaction> {
    if (this.broken || !this.producer) {
      await this.renew();
      this.logger.info(
        { transactionalId: this.transactionalId },
        'transactional producer replaced after a failed transaction',
      );
    }
    try {
      return await this.producer!.transaction();
    } catch (error) {
      this.broken = true;
      throw error;
    }
  }

  /**
   * Runs `work` in a transaction and commits it. If anything fails, the transaction is
   * aborted (as far as the broker can be reached) and the next `transaction()` starts with a
   * fresh producer: whether a failed commit reached the broker is unknown.
   */
  async inTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const tx = await this.transaction();
    try {
      const result = await work(tx);
      await tx.commit();
      return result;
    } catch (error) {
      await tx.abort().catch(() => undefined);
      this.broken = true;
      throw error;
    }
  }

  /**
   * Replaces the producer now. The new one's transactional InitProducerId (in connect())
   * returns only once the last transaction of this transactional id is complete (committed
   * with its markers written, or aborted), so what is read after it (committed offsets,
   * changelog) includes it.
   */
  async renew(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
    await this.connect();
  }

  /** Call when a transaction failed: the next `transaction()` starts with a fresh producer. */
  markBroken(): void {
    this.broken = true;
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
  }
}
