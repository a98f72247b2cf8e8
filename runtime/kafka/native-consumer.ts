import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { signMskIamToken } from '../config/kafkajs';
import { librdkafkaSettings } from '../config/librdkafka';
import { DEFAULT_METADATA_MAX_AGE_MS } from '../config/schema';
import type { KafkaConfig } from '../config/types';
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
  RecordColumns,
} from './consumer';
import { checkStillStored } from './retention-check';
import { NativeAddon, NativeHandle, NativeLog, NativePollResult, loadNativeAddon } from './native-addon';

export interface NativeConsumerOptions {
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
   * How long the member may go without a poll or a heartbeat (librdkafka's `max.poll.interval.ms`) before it
   * leaves the group.
   * @default 300000
   */
  readonly maxPollIntervalMs?: number;
}

/**
 * Records per poll, and bytes per poll: one poll's buffer, which the batcher keeps views of until every object
 * holding its lines is stored. Measured (64 partitions, 10,000 events each, native exporter, 64 MiB objects):
 * 8 MiB polls peak RSS 378-401 MiB, 2 MiB 331-356 MiB at the same rate (noisy: 140k-330k events/s, the S3
 * side's pace); the bare poll loop 620k-800k events/s with 2 MiB, 670k-690k with 8 MiB.
 */
export const POLL_MAX_RECORDS = 32_768;
export const POLL_MAX_BYTES = 2 * 1024 * 1024;
/** How long one poll waits for the first record: also how long a stop waits for the poll to return. */
export const POLL_TIMEOUT_MS = 200;
/**
 * How long a committed-offsets or watermarks request may wait. Short, because it can be waiting on a broker
 * that died (the old coordinator or partition leader): the exporter then retries its resync, and librdkafka
 * asks the brokers that are up. 30 s here once kept a member unassigned for over 90 s after a leader was
 * killed (two resyncs queued, each waiting out its requests to the dead broker).
 */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Fetch and prefetch sizes, measured on the local broker (64 partitions × 40,000 events of 470 B, 1.2 GB, a
 * bare poll loop, kcat -C 1.27 M events/s): librdkafka 2.0 stops fetching while the consumer queue holds
 * `queued.max.messages.kbytes` (or `queued.min.messages` records: 64 × 50,000 records of 40 B drained at 350k
 * events/s, kcat 1.02 M) and fetches again only on its broker thread's 1 s tick, which starved the loop
 * (230k-340k events/s, 20-37 polls of 221 empty) until the addon's poll wakes it (runtime/kafka/native; the
 * small records then 2.0-2.1 M). Then: 50 MiB responses 0.76-1.13 M events/s, 2.4-3.3 CPU s/GB, peak RSS
 * 261-304 MiB; `fetch.max.bytes` 16 MiB 0.89-1.17 M, 1.9-2.5 CPU s/GB, 254-277 MiB; 8 MiB 0.79-0.85 M,
 * 215-231 MiB. A 16 MiB queue with 50 MiB responses 0.75 M. The queue bounds the prefetched records of all partitions together (overshot by one
 * response): 32 MiB, half the default, for the peak RSS.
 */
export const CONSUMER_PROPERTIES: Readonly<Record<string, string>> = {
  'enable.auto.commit': 'false',
  'enable.auto.offset.store': 'false',
  // Eager rebalancing: every join revokes and assigns everything, which the exporter's protocol expects.
  'partition.assignment.strategy': 'roundrobin',
  'max.partition.fetch.bytes': String(1024 * 1024),
  'fetch.max.bytes': String(16 * 1024 * 1024),
  'fetch.wait.max.ms': '100',
  'queued.max.messages.kbytes': String(32 * 1024),
  // How long a partition whose fetch failed waits (default 500 ms).
  'fetch.error.backoff.ms': '20',
  'isolation.level': 'read_committed',
};

/** Errors with which the group coordinator refuses a member's commit: the member lost its partitions. */
const FENCING_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  '_STATE',
]);

/** The native client's errors are transient from the data path's point of view, like kafkajs'. */
export class NativeKafkaError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NativeKafkaError';
  }
}

function nativeError(error: unknown, what: string): Error {
  const code = (error as { code?: string }).code;
  if (code !== undefined && FENCING_ERRORS.has(code)) {
    return new FencedError(
      `the group refused the ${what} (${code}): this member no longer owns the partitions`,
      {
        cause: error,
      },
    );
  }
  return new NativeKafkaError(`${what} failed: ${(error as Error).message}`, code, { cause: error });
}

/** Clients over the project's librdkafka addon (runtime/kafka/native): records in bulk, no object per record. */
export class NativeConsumerFactory implements ConsumerFactory {
  private readonly addon: NativeAddon;

  constructor(private readonly options: NativeConsumerOptions) {
    this.addon = loadNativeAddon();
  }

  createGroupConsumer(): GroupConsumer {
    return new NativeGroupConsumer(this.addon, this.options);
  }

  createRangeReader(): RangeReader {
    return new NativeRangeReader(this.addon, this.options);
  }
}

/** One librdkafka consumer and the poll loop's housekeeping: logs, errors, OAUTHBEARER tokens. */
class NativeClient {
  readonly handle: NativeHandle;
  private readonly logger: Logger;
  private readonly region: string | undefined;
  private closed = false;

  constructor(
    readonly addon: NativeAddon,
    private readonly options: NativeConsumerOptions,
    groupId: string,
    group: boolean,
  ) {
    this.logger = options.logger.child({ logger: 'librdkafka' });
    const settings = librdkafkaSettings(options.kafka);
    this.region = settings.oauthbearerRegion;
    this.handle = addon.create(
      {
        ...settings.properties,
        ...CONSUMER_PROPERTIES,
        'group.id': groupId,
        'auto.offset.reset': options.fromBeginning || !group ? 'earliest' : 'latest',
        'session.timeout.ms': String(options.sessionTimeoutMs ?? 30_000),
        'heartbeat.interval.ms': String(options.heartbeatIntervalMs ?? 3_000),
        'max.poll.interval.ms': String(options.maxPollIntervalMs ?? 300_000),
        // The group leader rebalances onto added partitions when a metadata refresh shows them (librdkafka's
        // default refresh is every 5 minutes).
        'topic.metadata.refresh.interval.ms': String(
          options.kafka.metadataMaxAgeMs ?? DEFAULT_METADATA_MAX_AGE_MS,
        ),
        log_level: options.logger.isLevelEnabled('debug') ? '7' : '5',
        // The range reader must learn that a range ends in records it is never given (the aborted records and
        // control records of transactions at the end of a partition).
        ...(group ? {} : { 'enable.partition.eof': 'true' }),
      },
      group,
      this.region !== undefined,
    );
  }

  /** Polls once; routes what the callbacks reported. */
  async poll(): Promise<NativePollResult> {
    const result = await this.addon.poll(this.handle, POLL_MAX_RECORDS, POLL_MAX_BYTES, POLL_TIMEOUT_MS);
    for (const log of result.logs) this.log(log);
    if (result.logsDropped > 0)
      this.logger.warn({ dropped: result.logsDropped }, 'librdkafka log lines dropped');
    for (const error of result.errors) this.logger.warn({ code: error.code }, error.message);
    if (result.tokenRefresh) void this.refreshToken();
    return result;
  }

  /** A fatal client error, if the last poll reported one. */
  fatal(result: NativePollResult): string | undefined {
    return result.logs.find((log) => log.level === -1)?.message;
  }

  private log(log: NativeLog): void {
    const fields = { facility: log.facility };
    if (log.level < 0 || log.level <= 3) this.logger.error(fields, log.message);
    else if (log.level === 4) this.logger.warn(fields, log.message);
    else if (log.level <= 6) this.logger.info(fields, log.message);
    else this.logger.debug(fields, log.message);
  }

  /** librdkafka asked for an OAUTHBEARER token (MSK IAM): sign one, or tell it why not. */
  private async refreshToken(): Promise<void> {
    try {
      const { token, expiryTime } = await signMskIamToken(this.region!);
      if (!this.closed) this.addon.setToken(this.handle, token, expiryTime, 'aws-msk-iam');
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'signing the MSK IAM token failed');
      if (!this.closed)
        this.addon.setToken(
          this.handle,
          null,
          0,
          `signing the MSK IAM token failed: ${(error as Error).message}`,
        );
    }
  }

  watermarks(): Promise<PartitionWatermarks[]> {
    return this.addon
      .watermarks(this.handle, this.options.topic, REQUEST_TIMEOUT_MS)
      .catch((error: unknown) => Promise.reject(nativeError(error, 'watermark query')));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.addon.close(this.handle);
  }
}

function recordsOf(columns: RecordColumns): ConsumedRecord[] {
  const records: ConsumedRecord[] = [];
  for (let i = columns.first; i < columns.end; i++) {
    const length = columns.lengths[i];
    records.push({
      offset: columns.offsets[i].toString(),
      timestamp: String(columns.timestamps[i]),
      value: length < 0 ? null : columns.data.subarray(columns.starts[i], columns.starts[i] + length),
    });
  }
  return records;
}

/** A run of one partition's records in a poll, as a RecordBatch whose objects are built only if asked for. */
function batchOf(topic: string, result: NativePollResult, first: number, end: number): RecordBatch {
  const partition = result.partitions[first];
  const columns: RecordColumns = {
    data: result.data,
    starts: result.starts,
    lengths: result.lengths,
    offsets: result.offsets,
    timestamps: result.timestamps,
    lineAsIs: result.flags,
    lineAsIsRunEnds: result.runEnds,
    first,
    end,
  };
  const next = result.offsets[end - 1] + 1n;
  let high: bigint | undefined;
  for (let k = 0; k < result.watermarkPartitions.length; k++) {
    if (result.watermarkPartitions[k] === partition) high = result.watermarkHighs[k];
  }
  let records: ConsumedRecord[] | undefined;
  return {
    topic,
    partition,
    fetchedOffset: result.offsets[first].toString(),
    nextOffset: next.toString(),
    highWatermark: (high !== undefined && high >= next ? high : next).toString(),
    get records() {
      records ??= recordsOf(columns);
      return records;
    },
    columns,
  };
}

/** The runs of consecutive records of one partition in `[from, to)` of a poll. */
function* runs(result: NativePollResult, from: number, to: number): Generator<[number, number]> {
  let first = from;
  for (let i = from + 1; i <= to; i++) {
    if (i === to || result.partitions[i] !== result.partitions[first]) {
      if (i > first) yield [first, i];
      first = i;
    }
  }
}

class NativeGroupConsumer implements GroupConsumer {
  private readonly client: NativeClient;
  private readonly logger: Logger;
  private generation = 0;
  private assigned = false;
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    addon: NativeAddon,
    private readonly options: NativeConsumerOptions,
  ) {
    this.logger = options.logger;
    this.client = new NativeClient(addon, options, options.kafka.groupId, true);
  }

  /**
   * While a batch handler waits (on storage: it heartbeats after each upload attempt or finished flush), the
   * loop does not poll: each heartbeat restarts librdkafka's poll timer, so a member that makes progress
   * stays in the group however long the store takes, and one that makes none leaves it after
   * max.poll.interval.ms, as with kafkajs' heartbeats.
   */
  private readonly heartbeat = async (): Promise<void> => {
    if (!this.stopping) this.client.addon.keepAlive(this.client.handle);
  };

  async start(handlers: GroupHandlers): Promise<void> {
    this.client.addon.subscribe(this.client.handle, this.options.topic);
    this.logger.info({ librdkafka: this.client.addon.version() }, 'consuming with the native client');
    this.loop = this.run(handlers);
  }

  private async run(handlers: GroupHandlers): Promise<void> {
    const { topic } = this.options;
    while (!this.stopping) {
      let result: NativePollResult;
      try {
        result = await this.client.poll();
      } catch (error) {
        handlers.onCrash(error as Error, false);
        return;
      }
      const fatal = this.client.fatal(result);
      if (fatal !== undefined) {
        this.assigned = false;
        handlers.onCrash(new NativeKafkaError(`the Kafka client failed for good: ${fatal}`, '_FATAL'), false);
        return;
      }
      await this.deliver(handlers, topic, result, 0, result.eventAt);
      for (const event of result.events) {
        if (event.type === 'assigned') {
          this.generation++;
          this.assigned = true;
          handlers.onAssigned(
            [...event.partitions].sort((a, b) => a - b),
            this.generation,
          );
        } else {
          this.assigned = false;
          if (event.error !== undefined)
            this.logger.warn({ error: event.error }, 'the group rebalance failed');
        }
      }
      await this.deliver(handlers, topic, result, result.eventAt, result.count);
    }
  }

  private async deliver(
    handlers: GroupHandlers,
    topic: string,
    result: NativePollResult,
    from: number,
    to: number,
  ): Promise<void> {
    for (const [first, end] of runs(result, from, to)) {
      if (this.stopping || !this.assigned) return;
      const batch = batchOf(topic, result, first, end);
      try {
        await handlers.onBatch(batch, { heartbeat: this.heartbeat });
      } catch (error) {
        // As with kafkajs: the batch is read again.
        this.logger.warn(
          { error: (error as Error).message, partition: batch.partition },
          'batch failed; re-reading it',
        );
        this.seek(batch.partition, batch.fetchedOffset);
        return;
      }
    }
  }

  /** librdkafka's commit is synchronous and reports the coordinator's answer per partition: no read-back. */
  async commit(offsets: readonly CommitRequest[]): Promise<void> {
    if (offsets.length === 0) return;
    const generation = this.generation;
    if (!this.assigned) throw new FencedError('not a member of the group right now (rebalance under way)');
    try {
      await this.client.addon.commit(
        this.client.handle,
        this.options.topic,
        offsets.map((o) => ({
          partition: o.partition,
          offset: o.offset,
          metadata: Buffer.from(o.metadata, 'utf8'),
        })),
      );
    } catch (error) {
      throw nativeError(error, 'commit');
    }
    if (generation !== this.generation || !this.assigned) {
      throw new FencedError('the group rebalanced while the commit was under way');
    }
  }

  async committed(partitions: readonly number[]): Promise<CommittedPosition[]> {
    if (partitions.length === 0) return [];
    const stored = await this.client.addon
      .committed(
        this.client.handle,
        this.options.topic,
        partitions.map((partition) => ({ partition })),
        REQUEST_TIMEOUT_MS,
      )
      .catch((error: unknown) => Promise.reject(nativeError(error, 'reading the committed offsets')));
    return stored.map((p) => ({
      partition: p.partition,
      offset: p.offset,
      metadata: p.metadata.toString('utf8'),
    }));
  }

  watermarks(): Promise<PartitionWatermarks[]> {
    return this.client.watermarks();
  }

  seek(partition: number, offset: string): void {
    try {
      this.client.addon.seek(this.client.handle, this.options.topic, partition, offset);
    } catch (error) {
      // Not assigned any more: the next assignment restarts from the committed offsets anyway.
      this.logger.debug({ partition, offset, error: (error as Error).message }, 'seek not applied');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.assigned = false;
    await this.loop?.catch(() => undefined);
    await this.client.close();
  }
}

/**
 * Reads exact ranges with a consumer of its own that assigns the partitions itself (no group membership, it
 * never commits): it can read partitions another member of the exporter's group owns.
 */
class NativeRangeReader implements RangeReader {
  constructor(
    private readonly addon: NativeAddon,
    private readonly options: NativeConsumerOptions,
  ) {}

  async read(
    ranges: readonly OffsetRange[],
    onRecords: (partition: number, records: readonly ConsumedRecord[]) => void,
    onProgress?: () => Promise<void>,
  ): Promise<void> {
    const pending = new Map(ranges.filter((r) => BigInt(r.from) < BigInt(r.to)).map((r) => [r.partition, r]));
    if (pending.size === 0) return;
    const client = new NativeClient(
      this.addon,
      this.options,
      `${this.options.kafka.groupId}.recovery.${randomUUID()}`,
      false,
    );
    try {
      await this.checkStillStored(client, [...pending.values()]);
      const handedTo = new Map([...pending.values()].map((r) => [r.partition, BigInt(r.from)]));
      const jumps = new Map<number, string>();
      this.addon.assign(
        client.handle,
        this.options.topic,
        [...pending.values()].map((r) => ({ partition: r.partition, offset: r.from })),
      );
      while (pending.size > 0) {
        const result = await client.poll();
        const fatal = client.fatal(result);
        if (fatal !== undefined)
          throw new NativeKafkaError(`the Kafka client failed for good: ${fatal}`, '_FATAL');
        for (const [first, end] of runs(result, 0, result.count)) {
          const partition = result.partitions[first];
          const range = pending.get(partition);
          if (range === undefined) continue;
          const to = BigInt(range.to);
          let next = handedTo.get(partition)!;
          if (result.offsets[first] > next && !jumps.has(partition)) jumps.set(partition, next.toString());
          const records = recordsOf({ ...batchOf(this.options.topic, result, first, end).columns! }).filter(
            (record) => {
              const offset = BigInt(record.offset);
              if (offset < next || offset >= to) return false;
              next = offset + 1n;
              return true;
            },
          );
          handedTo.set(partition, next);
          if (records.length > 0) onRecords(partition, records);
          if (result.offsets[end - 1] + 1n >= to) {
            pending.delete(partition);
            this.addon.pauseResume(client.handle, this.options.topic, [partition], true);
          }
        }
        // At the end of the log: whatever of the range is left holds no record this reader can be given.
        for (let i = 0; i < result.eofPartitions.length; i++) {
          const partition = result.eofPartitions[i];
          const range = pending.get(partition);
          if (range === undefined || result.eofOffsets[i] < BigInt(range.to)) continue;
          if (handedTo.get(partition)! < BigInt(range.to) && !jumps.has(partition))
            jumps.set(partition, handedTo.get(partition)!.toString());
          pending.delete(partition);
          this.addon.pauseResume(client.handle, this.options.topic, [partition], true);
        }
        if (result.count > 0) await onProgress?.();
      }
      this.options.logger.debug({ ranges }, 'read recorded ranges');
      // A jump past where the range continued: transaction markers, or retention moving during the read.
      if (jumps.size > 0) {
        await this.checkStillStored(
          client,
          [...jumps].map(([partition, from]) => ({
            partition,
            from,
            to: ranges.find((r) => r.partition === partition)!.to,
          })),
        );
      }
    } finally {
      await client.close();
    }
  }

  private async checkStillStored(client: NativeClient, ranges: readonly OffsetRange[]): Promise<void> {
    checkStillStored(this.options.topic, ranges, await client.watermarks());
  }
}
