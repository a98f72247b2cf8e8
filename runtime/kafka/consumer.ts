/**
 * The exporter's view of Kafka: group consumption with manual commits (offsets and metadata), a reader
 * for exact offset ranges, and nothing else. Only runtime/kafka/ knows kafkajs and the native client; offsets are decimal
 * strings (Kafka offsets are 64-bit, JS numbers are not).
 */

/** One record as the exporter sees it. */
export interface ConsumedRecord {
  readonly offset: string;
  /** Milliseconds since the epoch, as the broker reported it (decimal string). */
  readonly timestamp: string;
  /** null for a tombstone. */
  readonly value: Buffer | null;
}

/**
 * Records of one batch in columns over the buffers of one bulk delivery (the native client): the data path
 * reads them without an object per record. Indexes `[first, end)` of the arrays belong to the batch.
 */
export interface RecordColumns {
  /** Every non-null value followed by a newline, back to back. */
  readonly data: Buffer;
  /** Where each record's value starts in `data`. */
  readonly starts: Int32Array;
  /** Each value's length in bytes, -1 for a tombstone. */
  readonly lengths: Int32Array;
  readonly offsets: BigInt64Array;
  /** Milliseconds since the epoch, as the broker reported them. */
  readonly timestamps: Float64Array;
  /**
   * 1 when the value is, as it is, its JSONL line: valid UTF-8, one JSON object, no whitespace between tokens (proven
   * off the event loop; runtime/kafka/native/json_check.h). 0: the JavaScript encoder decides.
   */
  readonly lineAsIs: Uint8Array;
  /**
   * For a record with `lineAsIs` 1: the index after the run of consecutive such records of its partition it
   * starts (unbounded by `end`), so a run is taken in one step instead of record by record.
   */
  readonly lineAsIsRunEnds: Int32Array;
  readonly first: number;
  readonly end: number;
}

/** Records of one partition, in offset order, as one fetch delivered them. */
export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  /** The offset the fetch asked for: batches that do not continue where the last one ended are stale. */
  readonly fetchedOffset: string;
  /** The offset the next fetch of this partition starts at (after the last record, or skipped control records). */
  readonly nextOffset: string;
  readonly highWatermark: string;
  /** The records as objects (built on first use when the batch has {@link RecordBatch.columns}). */
  readonly records: readonly ConsumedRecord[];
  /** The same records in columns, when the client delivers them in bulk. */
  readonly columns?: RecordColumns;
}

/** Given to batch handlers: the handle to keep the group membership alive between units of work. */
export interface BatchContext {
  /** Tells the group coordinator this member is alive; throws when a rebalance is under way. */
  heartbeat(): Promise<void>;
}

export interface CommitRequest {
  readonly partition: number;
  /** The next offset to consume (decimal string). */
  readonly offset: string;
  readonly metadata: string;
}

/** A partition's committed position; `offset` is undefined when the group never committed one. */
export interface CommittedPosition {
  readonly partition: number;
  readonly offset: string | undefined;
  readonly metadata: string;
}

export interface PartitionWatermarks {
  readonly partition: number;
  /** The earliest offset still stored (records below were removed by retention). */
  readonly low: string;
  /** The offset the next produced record gets. */
  readonly high: string;
}

export interface GroupHandlers {
  /**
   * Called synchronously after every join of the group, before any batch of the new generation is
   * handled. The consumer restarts every partition from its committed offset after a join. `join` counts
   * this consumer's joins (1, 2, ...); it is not the group's generation id, which kafkajs does not expose.
   */
  onAssigned(partitions: readonly number[], join: number): void;
  /** Handles one batch; throwing makes the consumer re-read the batch after restarting. */
  onBatch(batch: RecordBatch, context: BatchContext): Promise<void>;
  /** The consumer crashed; when `restarting` is false it will not consume again. */
  onCrash(error: Error, restarting: boolean): void;
}

/** Thrown when the group refuses a commit because this member no longer owns the partitions. */
export class FencedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FencedError';
  }
}

/** A member of the exporter's consumer group on the exporter's topic. */
export interface GroupConsumer {
  /** Connects, subscribes and starts delivering batches to `handlers`. */
  start(handlers: GroupHandlers): Promise<void>;
  /**
   * Commits offsets with metadata in the current generation. Throws {@link FencedError} when the group
   * refuses it (rebalance, lost membership): the caller must then not act on those partitions.
   */
  commit(offsets: readonly CommitRequest[]): Promise<void>;
  /** The group's committed offsets and metadata for `partitions`. */
  committed(partitions: readonly number[]): Promise<CommittedPosition[]>;
  /** Low and high watermarks of every partition of the topic. */
  watermarks(): Promise<PartitionWatermarks[]>;
  /** Makes the next batch of `partition` start at `offset`. */
  seek(partition: number, offset: string): void;
  /** Leaves the group and disconnects. */
  stop(): Promise<void>;
}

/** An exact half-open range `[from, to)` of one partition. */
export interface OffsetRange {
  readonly partition: number;
  readonly from: string;
  readonly to: string;
}

/** Reads exact ranges of any partitions of the topic, whoever owns them in the group. */
export interface RangeReader {
  /**
   * Hands the records of each range to `onRecords` as they are fetched: per partition in offset order,
   * each record once, nothing outside the ranges (so the caller holds what it keeps, not the reader).
   * `onProgress` is called after each fetched batch (a unit of work, e.g. to heartbeat). Rejects with
   * {@link DataLossError} when a range is no longer stored, also when that is found only after some of its
   * records were handed over.
   */
  read(
    ranges: readonly OffsetRange[],
    onRecords: (partition: number, records: readonly ConsumedRecord[]) => void,
    onProgress?: () => Promise<void>,
  ): Promise<void>;
}

/** Records the exporter needs were removed (retention) before they were stored. */
export class DataLossError extends Error {
  constructor(
    message: string,
    readonly ranges: readonly OffsetRange[],
  ) {
    super(message);
    this.name = 'DataLossError';
  }
}

/** Creates the Kafka clients of one exporter. */
export interface ConsumerFactory {
  createGroupConsumer(): GroupConsumer;
  createRangeReader(): RangeReader;
}
