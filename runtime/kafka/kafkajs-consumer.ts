import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Kafka, type Batch, type KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../config/types';
import { kafkaJsConfig } from '../config/kafkajs';
import { DEFAULT_METADATA_MAX_AGE_MS } from '../config/schema';
import {
  CommitRequest,
  CommittedPosition,
  ConsumedRecord,
  ConsumerFactory,
  FencedError,
  GroupConsumer,
  GroupHandlers,
  OffsetRange,
  PartitionWatermarks,
  RangeReader,
  RecordBatch,
} from './consumer';
import { kafkaJsLevel, pinoLogCreator } from './kafkajs-log';
import { isAccessDenial } from './acls';
import { installGroupDenialReporting } from './kafkajs-group-denial';
import { installLocalOffsetReset } from './kafkajs-offset-reset';
import { installQuietRequestQueue } from './kafkajs-request-queue';
import { checkStillStored } from './retention-check';

export interface KafkaJsConsumerOptions {
  readonly kafka: KafkaConfig;
  readonly topic: string;
  /** false: a group without committed offsets starts at the latest offset; true: at the earliest. */
  readonly fromBeginning: boolean;
  readonly logger: Logger;
  /** @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** @default 3000 */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long a fetch waits on the broker for new records; also bounds how long leaving the group takes.
   * @default 1000
   */
  readonly maxWaitTimeMs?: number;
  /**
   * Fetch size per partition. Measured with the bench (64 partitions): 4 MiB per partition and 32 MiB per
   * response gave no more throughput than 1 MiB / 10 MiB but ~100 MiB more peak RSS (kafkajs decodes a whole
   * response at once, blocking the event loop, commits included, for longer).
   * @default 1 MiB
   */
  readonly maxBytesPerPartition?: number;
  /**
   * Fetch size per broker response: bounds the fetch buffers kafkajs holds besides the exporter's batch.
   * kafkajs keeps a response twice while decoding it (socket chunks and their concatenation, which every
   * decoded value points into) and both become garbage only after the whole response was handled; halving
   * kafkajs' 10 MiB default lowered the exporter's peak RSS by ~15-40 MiB in the bench (64 partitions) with
   * throughput within the machine's noise: the store chain, not the fetch, is the exporter's limit.
   * @default 5 MiB
   */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES_PER_PARTITION = 1024 * 1024;
const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

/** Errors with which the group coordinator refuses a member's commit: the member lost its partitions. */
const FENCING_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

/** Restarts after non-retriable crashes before giving up, counted since the last successful join. */
const MAX_RESTARTS_WITHOUT_JOIN = 3;
const RESTART_DELAY_MS = 1_000;

/** kafkajs-backed clients: the only module that consumes with kafkajs. */
export class KafkaJsConsumerFactory implements ConsumerFactory {
  private readonly client: Kafka;

  constructor(private readonly options: KafkaJsConsumerOptions) {
    // Only the exporter's protocol commits; see kafkajs-offset-reset.ts.
    installLocalOffsetReset();
    // No 1 ms timer per connection re-checking an empty queue; see kafkajs-request-queue.ts.
    installQuietRequestQueue();
    installGroupDenialReporting();
    this.client = new Kafka({
      ...kafkaJsConfig(options.kafka),
      logLevel: kafkaJsLevel(options.logger),
      logCreator: pinoLogCreator(options.logger),
    });
  }

  createGroupConsumer(): GroupConsumer {
    return new KafkaJsGroupConsumer(this.client, this.options);
  }

  createRangeReader(): RangeReader {
    return new KafkaJsRangeReader(this.client, this.options);
  }
}

function toRecord(message: KafkaMessage): ConsumedRecord {
  return { offset: message.offset, timestamp: message.timestamp, value: message.value };
}

function toRecordBatch(batch: Batch): RecordBatch {
  return {
    topic: batch.topic,
    partition: batch.partition,
    // kafkajs' Batch carries the offset it asked for; its type definition omits it.
    fetchedOffset: (batch as Batch & { fetchedOffset: string }).fetchedOffset,
    nextOffset: (BigInt(batch.lastOffset()) + 1n).toString(),
    highWatermark: batch.highWatermark,
    // kafkajs' messages already have the record's shape: handed over as they are, not copied per record.
    records: batch.messages,
  };
}

function errorType(error: unknown): string | undefined {
  let current = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.type !== undefined) return current.type;
    current = (current.cause ?? current.originalError) as typeof current;
  }
  return undefined;
}

class KafkaJsGroupConsumer implements GroupConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private generation = 0;
  private assigned = false;
  private restarts = 0;
  private stopping = false;
  private readonly groupId: string;

  constructor(
    client: Kafka,
    private readonly options: KafkaJsConsumerOptions,
  ) {
    this.groupId = options.kafka.groupId;
    this.consumer = client.consumer({
      groupId: this.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      // The group leader rebalances onto added partitions when a metadata refresh shows them; kafkajs refreshes
      // every 5 minutes by default.
      metadataMaxAge: options.kafka.metadataMaxAgeMs ?? DEFAULT_METADATA_MAX_AGE_MS,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      // The consumer restarts itself after retriable crashes; a non-retriable one is reported through
      // onCrash(restarting: false) and ends the exporter.
      retry: { retries: 5 },
    });
    this.admin = client.admin({ retry: { retries: 5 } });
  }

  async start(handlers: GroupHandlers): Promise<void> {
    const { topic, logger } = this.options;
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.generation++;
      this.assigned = true;
      this.restarts = 0;
      handlers.onAssigned(
        [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b),
        this.generation,
      );
    });
    const unassigned = () => {
      this.assigned = false;
    };
    this.consumer.on(this.consumer.events.REBALANCING, unassigned);
    this.consumer.on(this.consumer.events.STOP, unassigned);
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.assigned = false;
      const error = payload.error;
      const details = { error: error.message, type: errorType(error), name: error.name };
      if (payload.restart) {
        handlers.onCrash(error, true);
        return;
      }
      // kafkajs gives up on errors it deems non-retriable (e.g. a broker answer it did not expect during a
      // rebalance). Rejoining is safe (every join restarts from committed offsets), so try a few times before
      // reporting the crash as final: a consumer never sits idle, it consumes or the exporter exits.
      // A refused ACL stays refused: no restart (a join would reset the restart count and loop forever).
      if (this.stopping || this.restarts >= MAX_RESTARTS_WITHOUT_JOIN || isAccessDenial(error)) {
        logger.error({ ...details, restarts: this.restarts }, 'the Kafka consumer crashed for good');
        handlers.onCrash(error, false);
        return;
      }
      this.restarts++;
      logger.warn({ ...details, restart: this.restarts }, 'the Kafka consumer crashed; restarting it');
      handlers.onCrash(error, true);
      setTimeout(() => {
        if (this.stopping) return;
        this.run(handlers).catch((restartError: Error) => {
          logger.error({ error: restartError.message }, 'the Kafka consumer could not be restarted');
          handlers.onCrash(restartError, false);
        });
      }, RESTART_DELAY_MS * this.restarts);
    });
    await this.admin.connect();
    await this.run(handlers);
  }

  private async run(handlers: GroupHandlers): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        await handlers.onBatch(toRecordBatch(batch), { heartbeat });
      },
    });
  }

  /**
   * kafkajs resolves a commit without sending it when its runner is stopping or restarting, so every
   * commit is read back: only metadata the group actually stored counts as committed.
   */
  async commit(offsets: readonly CommitRequest[]): Promise<void> {
    if (offsets.length === 0) return;
    const generation = this.generation;
    if (!this.assigned)
      throw new FencedError('not a member of the group right now (rebalance or restart under way)');
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({
          topic: this.options.topic,
          partition: o.partition,
          offset: o.offset,
          metadata: o.metadata,
        })),
      );
    } catch (error) {
      const type = errorType(error);
      if (type !== undefined && FENCING_ERRORS.has(type)) {
        throw new FencedError(
          `the group refused the commit (${type}): this member no longer owns the partitions`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    const stored = await this.committed(offsets.map((o) => o.partition));
    for (const wanted of offsets) {
      const actual = stored.find((s) => s.partition === wanted.partition);
      if (
        actual?.offset !== wanted.offset ||
        actual.metadata !== wanted.metadata ||
        generation !== this.generation
      ) {
        throw new FencedError(
          `the commit of partition ${wanted.partition} did not take effect (the consumer is rebalancing or restarting)`,
        );
      }
    }
  }

  async committed(partitions: readonly number[]): Promise<CommittedPosition[]> {
    const [topicOffsets] = await this.admin.fetchOffsets({
      groupId: this.groupId,
      topics: [this.options.topic],
    });
    const wanted = new Set(partitions);
    return (topicOffsets?.partitions ?? [])
      .filter((p) => wanted.has(p.partition))
      .map((p) => ({
        partition: p.partition,
        offset: BigInt(p.offset) < 0n ? undefined : p.offset,
        metadata: p.metadata ?? '',
      }));
  }

  async watermarks(): Promise<PartitionWatermarks[]> {
    const offsets = await this.admin.fetchTopicOffsets(this.options.topic);
    return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
  }

  /**
   * Not a member right now (a rebalance, or kafkajs restarting its consumer after a crash, when it has no
   * consumer group and its seek throws): nothing to seek, the next join restarts every partition from the
   * committed offsets. Seen with the partition leader killed on a three-broker cluster.
   */
  seek(partition: number, offset: string): void {
    if (!this.assigned) return;
    try {
      this.consumer.seek({ topic: this.options.topic, partition, offset });
    } catch (error) {
      if (!/consumer#run must be called first/.test((error as Error).message)) throw error;
      this.options.logger.debug({ partition, offset }, 'seek skipped: the consumer is restarting');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.assigned = false;
    await Promise.allSettled([this.consumer.disconnect(), this.admin.disconnect()]);
  }
}

/**
 * Reads exact ranges through a consumer of its own, in a throw-away group that never commits: it can read
 * partitions another member of the exporter's group owns, and it never disturbs that group.
 */
class KafkaJsRangeReader implements RangeReader {
  constructor(
    private readonly client: Kafka,
    private readonly options: KafkaJsConsumerOptions,
  ) {}

  async read(
    ranges: readonly OffsetRange[],
    onRecords: (partition: number, records: readonly ConsumedRecord[]) => void,
    onProgress?: () => Promise<void>,
  ): Promise<void> {
    const { topic, logger } = this.options;
    const pending = new Map(ranges.filter((r) => BigInt(r.from) < BigInt(r.to)).map((r) => [r.partition, r]));
    if (pending.size === 0) return;
    await this.checkStillStored([...pending.values()]);
    /** Per partition: where its next fetch should start, and where the first jump past that started. */
    const nextFetch = new Map([...pending.values()].map((r) => [r.partition, BigInt(r.from)]));
    const jumps = new Map<number, string>();
    /** Per partition: the offset after the last record handed over (a batch may be delivered again). */
    const handedTo = new Map([...pending.values()].map((r) => [r.partition, BigInt(r.from)]));

    const groupId = `${this.options.kafka.groupId}.recovery.${randomUUID()}`;
    const consumer = this.client.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 1_000,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION,
      maxBytes: this.options.maxBytes ?? DEFAULT_MAX_BYTES,
      retry: { retries: 5 },
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.GROUP_JOIN, () => {
          for (const range of pending.values())
            consumer.seek({ topic, partition: range.partition, offset: range.from });
        });
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart) reject(payload.error);
        });
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch, isStale }) => {
              const range = pending.get(batch.partition);
              if (range === undefined || isStale()) return;
              const to = BigInt(range.to);
              const fetched = BigInt((batch as Batch & { fetchedOffset: string }).fetchedOffset);
              const expected = nextFetch.get(batch.partition)!;
              if (fetched > expected && !jumps.has(batch.partition))
                jumps.set(batch.partition, String(expected));
              if (fetched >= expected) nextFetch.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
              let next = handedTo.get(batch.partition)!;
              const records: ConsumedRecord[] = [];
              for (const message of batch.messages) {
                const offset = BigInt(message.offset);
                if (offset >= next && offset < to) {
                  records.push(toRecord(message));
                  next = offset + 1n;
                }
              }
              handedTo.set(batch.partition, next);
              if (records.length > 0) onRecords(batch.partition, records);
              if (BigInt(batch.lastOffset()) + 1n >= to) {
                pending.delete(batch.partition);
                consumer.pause([{ topic, partitions: [batch.partition] }]);
                if (pending.size === 0) resolve();
              }
              await onProgress?.();
            },
          })
          .catch(reject);
      });
      logger.debug({ ranges }, 'read recorded ranges');
    } catch (error) {
      // Named, so that a refused group ACL is told apart from the exporter's own group's.
      throw new Error(
        `reading recorded ranges in recovery group ${groupId} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    } finally {
      await consumer.disconnect();
    }
    // A fetch that started past where the previous one ended is a gap: transaction markers, or retention
    // that moved during the read (the consumer then went on at the low watermark). The latter is data loss.
    if (jumps.size > 0) {
      await this.checkStillStored(
        [...jumps].map(([partition, from]) => ({
          partition,
          from,
          to: ranges.find((r) => r.partition === partition)!.to,
        })),
      );
    }
  }

  private async checkStillStored(ranges: readonly OffsetRange[]): Promise<void> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      checkStillStored(this.options.topic, ranges, await admin.fetchTopicOffsets(this.options.topic));
    } finally {
      await admin.disconnect();
    }
  }
}
