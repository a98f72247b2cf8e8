/**
 * When a fetch is answered OFFSET_OUT_OF_RANGE (retention removed the records a group member was about to
 * read), kafkajs resets the partition by *committing* the earliest/latest marker for the whole group
 * (`consumer/offsetManager` `setDefaultOffset`). That commit would erase the exporter's committed offset and
 * its commit metadata (the intent of an object being written), and the loss would go unnoticed: the next
 * assignment would find no committed offset and start over at the low watermark.
 *
 * The exporter commits only through its own protocol, so the reset is made local instead: the member goes
 * on fetching at the earliest (or latest) offset, nothing is committed, and the exporter sees the skipped
 * range (OffsetManager.findLoss) and handles it as data loss.
 */
// kafkajs exposes no hook for this; the module is internal, so its shape is checked at install time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OffsetManager = require('kafkajs/src/consumer/offsetManager') as { prototype: KafkaJsOffsetManager };

interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

interface KafkaJsOffsetManager {
  readonly cluster: {
    fetchTopicsOffset(
      topics: ReadonlyArray<{ topic: string; partitions: Array<{ partition: number }> }>,
    ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
  };
  readonly topicConfigurations: Record<string, { fromBeginning?: boolean; fromTimestamp?: number }>;
  readonly resolvedOffsets: Record<string, Record<number, string>>;
  setDefaultOffset(partition: TopicPartition): Promise<void>;
}

const INSTALLED = Symbol.for('cdktf-batch-exporter.kafkajs-local-offset-reset');

/** Replaces kafkajs' committing reset with a local one (idempotent). */
export function installLocalOffsetReset(): void {
  const prototype = OffsetManager.prototype as KafkaJsOffsetManager & { [INSTALLED]?: true };
  if (prototype[INSTALLED]) return;
  if (typeof prototype.setDefaultOffset !== 'function') {
    throw new Error(
      'kafkajs no longer has consumer/offsetManager setDefaultOffset: check runtime/kafka/kafkajs-offset-reset.ts ' +
        'against the installed kafkajs before running the exporter.',
    );
  }
  prototype.setDefaultOffset = async function setDefaultOffsetLocally(
    this: KafkaJsOffsetManager,
    { topic, partition }: TopicPartition,
  ): Promise<void> {
    const [offsets] = await this.cluster.fetchTopicsOffset([
      { topic, partitions: [{ partition }], ...this.topicConfigurations[topic] },
    ]);
    const reset = offsets.partitions.find((p) => p.partition === partition);
    if (reset === undefined) throw new Error(`no offset returned for ${topic} partition ${partition}`);
    this.resolvedOffsets[topic][partition] = reset.offset;
  };
  prototype[INSTALLED] = true;
}
