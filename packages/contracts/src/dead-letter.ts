/**
 * The value of a record on a `.dlq` topic (schemas/dead-letter.v1.avsc): why it failed, which
 * consumer gave up on it, and the source record exactly as it was, so that it can be found
 * in its topic and replayed once the cause is fixed.
 */
export interface DeadLetter {
  errorCode: string;
  errorMessage: string;
  consumer: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  sourceKey: Buffer | null;
  sourceValue: Buffer | null;
  failedAt: number;
  /** The source record's headers, each name with its values in order; null in older records. */
  sourceHeaders?: Record<string, Buffer[]> | null;
}
