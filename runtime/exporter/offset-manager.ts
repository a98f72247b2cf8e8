import type { Logger } from 'pino';
import type { DataLossPolicy } from '../config/types';
import { DataLossError, GroupConsumer, OffsetRange, RangeReader } from '../kafka/consumer';
import { encodeRecordContent } from '../format/jsonl';
import { LineBuffer } from '../format/line-buffer';
import type { ExporterMetrics } from '../observability/metrics';
import { ObjectStore, bodyLength } from '../storage/object-store';
import { BatchSnapshot, PartitionSlice } from './batcher';
import {
  DEFAULT_MAX_COMMIT_METADATA_BYTES,
  ObjectIntent,
  PartitionMark,
  decodeCommitMetadata,
  encodeIntent,
  encodeIntents,
  encodeMark,
  metadataBytes,
} from './commit-metadata';
import { MAX_S3_KEY_BYTES, ObjectNamer } from './object-namer';

/**
 * Exactly-once delivery of records to objects, with only `s3:PutObject` (create-only) and Kafka's committed
 * offsets. The protocol, per object:
 *
 * 1. **Intent.** Commit, for every partition in the object, its current offset unchanged with metadata
 *    naming the object key and the exact offset range `[from, to)` of every partition in the object. The
 *    commit goes through the group coordinator, which refuses it from a member that lost its partitions
 *    (a zombie after a rebalance): such a member writes nothing.
 * 2. **Put** the data object (and its `_invalid/` sibling) with `If-None-Match: *`. 412 means an object
 *    with that key exists; keys are never reused for other content (see commit-metadata.ts), so it can only
 *    be this very object (a retry after a lost response, or another member completing the same intent).
 * 3. **Commit** each partition's end offset `to`, with the intent cleared (only the last interval start
 *    and part number stay, which keeps later keys unique).
 *
 * Several objects are in flight at once (the store chain never waits for one PUT before recording the next
 * intent): a partition's metadata then lists every intent of its objects in flight, oldest first (see
 * commit-metadata.ts), each intent commit keeps the partition's committed offset, and end commits happen in
 * the order the intents were recorded, each leaving the later intents in the metadata. An object joins the
 * flight only while every one of its partitions' lists still fits the metadata limit, and at most
 * {@link DEFAULT_MAX_OBJECTS_IN_FLIGHT} at once; every commit runs one at a time, in order.
 *
 * On assignment, a partition whose committed metadata still holds intents (a crash or rebalance between
 * 1 and 3) gets that object completed first: the recorded ranges are re-read, from every partition of the
 * object (also partitions another member owns now, through a reader outside the group), re-encoded (the
 * encoding is deterministic, so the bytes are identical), put create-only under the recorded key, and the
 * end offsets of the partitions this member owns are committed. Only then does new data flow.
 *
 * Limits, handled loudly: an object holds at most as many partitions as fit one intent into the broker's
 * commit metadata limit (`offset.metadata.max.bytes`, 4096 by default) and its key (which lists them) into
 * S3's 1024 bytes. Records removed by retention
 * before they were stored are data loss, found at assignment (committed offset below the low watermark),
 * while completing an intent (a recorded range no longer stored) and while consuming (the consumer jumped
 * ahead, see {@link OffsetManager.findLoss}). With `onDataLoss` `fail` (the default) each raises a
 * {@link DataLossError} naming the ranges; with `skip` the ranges are logged at error level and counted, and
 * everything still stored is exported exactly once: an intent is completed with the records that remain
 * (create-only, so an object stored complete before the loss is kept as it is).
 */
export interface OffsetManagerOptions {
  readonly consumer: GroupConsumer;
  readonly reader: RangeReader;
  readonly store: ObjectStore;
  readonly namer: ObjectNamer;
  readonly topic: string;
  readonly includeExistingEvents: boolean;
  readonly logger: Logger;
  readonly metrics?: ExporterMetrics;
  /** @default DEFAULT_MAX_COMMIT_METADATA_BYTES */
  readonly maxCommitMetadataBytes?: number;
  /** @default 'fail' */
  readonly onDataLoss?: DataLossPolicy;
  /** @default DEFAULT_MAX_OBJECTS_IN_FLIGHT */
  readonly maxObjectsInFlight?: number;
}

/**
 * Objects whose intent is recorded and whose end is not committed yet, at most. Memory is bounded by the
 * exporter (held bytes), the metadata limit bounds it further for objects of many partitions.
 */
export const DEFAULT_MAX_OBJECTS_IN_FLIGHT = 4;

/** How to go on past a loss, appended to every data-loss message of the `fail` policy. */
const SKIP_HINT =
  ' To export what is still stored and go on without the lost records, set BATCH_EXPORTER_ON_DATA_LOSS=skip ' +
  '(BatchExporter prop onDataLoss: "skip").';

/** `stored`: every object of the batch is stored and committed; `fenced`: the group refused a commit. */
export type FlushOutcome = 'stored' | 'fenced';

/**
 * A batch whose intents are recorded: `stored` settles once all its objects are stored and their ends
 * committed (it rejects with what made a store fail for good).
 */
export interface Admitted {
  readonly stored: Promise<FlushOutcome>;
}

/** One object to write: consecutive slices of a batch whose intent fits the metadata limit. */
interface PlannedObject {
  readonly intent: ObjectIntent;
  readonly slices: readonly PartitionSlice[];
}

export class OffsetManager {
  /** Committed offset of every assigned partition (always known after `assign`). */
  private readonly committed = new Map<number, string>();
  /** Last object (interval start, part) per partition, for unique keys. */
  private readonly marks = new Map<number, PartitionMark>();
  /** Intents recorded and not completed yet, per partition, oldest first (what its metadata lists). */
  private readonly pending = new Map<number, ObjectIntent[]>();
  /** Where each partition's next batch starts: the end of its last object in flight, or the committed offset. */
  private readonly reserved = new Map<number, string>();
  /** Objects in flight, oldest first: each settles after its end commit (or without one, when fenced). */
  private readonly flight: Array<Promise<FlushOutcome>> = [];
  /** Every commit runs here, one at a time and in order: a partition's later commit never overtakes an earlier one. */
  private commitLane: Promise<unknown> = Promise.resolve();
  /** Set when a commit was refused: nothing more is committed until the next assignment. */
  private fenced = false;
  /** What made an object's store fail for good: nothing more is admitted (the exporter stops on it). */
  private failure: { readonly error: unknown } | undefined;
  private readonly maxMetadataBytes: number;
  private readonly onDataLoss: DataLossPolicy;
  private readonly maxInFlight: number;

  constructor(private readonly options: OffsetManagerOptions) {
    this.maxMetadataBytes = options.maxCommitMetadataBytes ?? DEFAULT_MAX_COMMIT_METADATA_BYTES;
    this.onDataLoss = options.onDataLoss ?? 'fail';
    this.maxInFlight = options.maxObjectsInFlight ?? DEFAULT_MAX_OBJECTS_IN_FLIGHT;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new Error(`internal: maxObjectsInFlight must be a positive integer, got ${this.maxInFlight}`);
    }
  }

  /** Resolves once every object in flight has settled (stored, fenced or failed). */
  async idle(): Promise<void> {
    while (this.flight.length > 0) await Promise.allSettled(this.flight);
  }

  /** The committed offset of every assigned partition. */
  positions(): Map<number, string> {
    return new Map(this.committed);
  }

  /**
   * Takes over `partitions`: pins a start offset for partitions the group never committed, completes every
   * object whose intent is recorded, and returns where each partition continues. `onProgress` runs after
   * each unit of work (heartbeat). Returns `fenced` when the group refused a commit (a new assignment follows).
   */
  async assign(
    partitions: readonly number[],
    onProgress: () => Promise<void>,
  ): Promise<Map<number, string> | 'fenced'> {
    const { consumer, logger } = this.options;
    // Objects still in flight from before settle first: none of them commits after the state is re-read.
    await this.idle();
    this.committed.clear();
    this.marks.clear();
    this.pending.clear();
    this.reserved.clear();
    this.fenced = false;
    if (partitions.length === 0) return new Map();
    const watermarks = await consumer.watermarks();
    // Every partition of the topic, to tell a new group from partitions added to the topic later.
    const positions = await consumer.committed([
      ...new Set([...partitions, ...watermarks.map((w) => w.partition)]),
    ]);
    const startAtEarliest =
      this.options.includeExistingEvents || positions.some((p) => p.offset !== undefined);
    const intents = new Map<string, ObjectIntent>();
    const pins: Array<{ partition: number; offset: string; metadata: string }> = [];
    const lost: OffsetRange[] = [];
    const lostMarks = new Map<number, string>();
    for (const partition of partitions) {
      const position = positions.find((p) => p.partition === partition);
      const marks = watermarks.find((w) => w.partition === partition);
      const metadata = decodeCommitMetadata(position?.metadata);
      if (metadata.mark) this.marks.set(partition, metadata.mark);
      for (const intent of metadata.intents ?? []) intents.set(intent.key, intent);
      if (metadata.intents) this.pending.set(partition, [...metadata.intents]);
      if (position?.offset === undefined) {
        // includeExistingEvents=false skips what a new group finds on the topic. A partition without a
        // committed offset in a group that has some was added to the topic after the export began (every
        // assigned partition is pinned here on first assignment): all its records are new, it starts at the
        // earliest.
        const start = startAtEarliest ? (marks?.low ?? '0') : (marks?.high ?? '0');
        pins.push({ partition, offset: start, metadata: '' });
        this.committed.set(partition, start);
      } else {
        this.committed.set(partition, position.offset);
        if (!metadata.intents && marks !== undefined && BigInt(position.offset) < BigInt(marks.low)) {
          lost.push({ partition, from: position.offset, to: marks.low });
          lostMarks.set(partition, metadata.mark ? encodeMark(metadata.mark) : '');
        }
      }
    }
    if (lost.length > 0) {
      this.dataLost(
        `records of topic '${this.options.topic}' after the committed offsets were removed by retention before ` +
          `they were exported: ${describeRanges(lost)}.`,
        lost,
      );
      // Skipped: continue at the low watermark, keeping the partition's last object mark (unique keys).
      const skipTo = lost.map((r) => ({
        partition: r.partition,
        offset: r.to,
        metadata: lostMarks.get(r.partition)!,
      }));
      if ((await this.commitInLane(() => skipTo)) === 'fenced') return 'fenced';
      for (const range of lost) this.committed.set(range.partition, range.to);
      await onProgress();
    }
    if (pins.length > 0) {
      logger.info(
        { pins: pins.map((p) => ({ partition: p.partition, offset: p.offset })) },
        `no committed offsets yet: starting at the ${startAtEarliest ? 'earliest' : 'latest'} offset`,
      );
      if ((await this.commitInLane(() => pins)) === 'fenced') return 'fenced';
      await onProgress();
    }
    // Oldest first: (interval start, part) grows with every object of a partition, so this is each
    // partition's own order too.
    const recorded = [...intents.values()].sort(
      (a, b) => a.intervalStart - b.intervalStart || a.part - b.part,
    );
    for (const intent of recorded) {
      if ((await this.complete(intent, new Set(partitions), onProgress)) === 'fenced') return 'fenced';
    }
    // Intents of partitions this member does not own stay theirs to complete.
    this.pending.clear();
    for (const [partition, offset] of this.committed) this.reserved.set(partition, offset);
    return this.positions();
  }

  /** Stores a batch as one or more objects under the protocol above, and resolves once they are stored. */
  async flush(snapshot: BatchSnapshot, onProgress: () => Promise<void>): Promise<FlushOutcome> {
    const admitted = await this.admit(snapshot, onProgress);
    return admitted === 'fenced' ? 'fenced' : admitted.stored;
  }

  /**
   * Records the intents of a batch's objects and starts storing them; resolves as soon as they are in flight
   * (waiting first while the flight is full, or while an intent would not fit beside those in flight).
   * `fenced`: the group refused an intent, nothing of the batch is written.
   */
  async admit(snapshot: BatchSnapshot, onProgress: () => Promise<void>): Promise<Admitted | 'fenced'> {
    for (const slice of snapshot.slices) {
      const continues = this.reserved.get(slice.partition);
      if (continues !== slice.from) {
        // Never write a batch that does not continue where the partition's last object ends: it would leave a gap.
        throw new Error(
          `internal: batch of partition ${slice.partition} starts at ${slice.from} but the partition continues at ${continues}`,
        );
      }
    }
    const stored: Array<Promise<FlushOutcome>> = [];
    for (const object of this.plan(snapshot)) {
      while (
        this.flight.length >= this.maxInFlight ||
        (this.flight.length > 0 && !this.fitsBesidePending(object.intent))
      ) {
        await this.flight[0].catch(() => undefined);
        await onProgress();
      }
      if (this.failure !== undefined) throw this.failure.error;
      if (this.fenced) return 'fenced';
      const started = process.hrtime.bigint();
      // The payload is built when the commit runs: an end commit queued before it may have shortened a list.
      const outcome = await this.commitInLane(
        () =>
          object.slices.map((s) => ({
            partition: s.partition,
            offset: this.committed.get(s.partition)!,
            metadata: encodeIntents([...(this.pending.get(s.partition) ?? []), object.intent]),
          })),
        () => {
          for (const slice of object.slices) {
            this.marks.set(slice.partition, object.intent);
            this.reserved.set(slice.partition, slice.to);
            const list = this.pending.get(slice.partition) ?? [];
            list.push(object.intent);
            this.pending.set(slice.partition, list);
          }
        },
      );
      if (outcome === 'fenced') return 'fenced';
      const before = this.flight[this.flight.length - 1];
      const done = this.store(object, started, before, onProgress).catch((error: unknown) => {
        this.failure ??= { error };
        throw error;
      });
      this.flight.push(done);
      const leave = () => this.leaveFlight(done);
      void done.then(leave, leave);
      stored.push(done);
      await onProgress();
    }
    return {
      stored: Promise.all(stored).then((outcomes) => (outcomes.includes('fenced') ? 'fenced' : 'stored')),
    };
  }

  /** Whether every partition's list of intents still fits the metadata limit with `intent` added. */
  private fitsBesidePending(intent: ObjectIntent): boolean {
    return intent.ranges.every(
      (range) =>
        metadataBytes(encodeIntents([...(this.pending.get(range.partition) ?? []), intent])) <=
        this.maxMetadataBytes,
    );
  }

  private leaveFlight(done: Promise<FlushOutcome>): void {
    const at = this.flight.indexOf(done);
    if (at >= 0) void this.flight.splice(at, 1);
  }

  /**
   * Puts an admitted object, then (after the object admitted before it has committed its end) commits its
   * end offsets, leaving the later intents of each partition in its metadata.
   */
  private async store(
    object: PlannedObject,
    started: bigint,
    before: Promise<FlushOutcome> | undefined,
    onProgress: () => Promise<void>,
  ): Promise<FlushOutcome> {
    const { intent, slices } = object;
    const intentDone = process.hrtime.bigint();
    const valid = slices.map((s) => s.valid);
    const invalid = slices.map((s) => s.invalid);
    const records = { valid: sumLines(valid), invalid: sumLines(invalid) };
    await this.putObjects(intent.key, valid, invalid, onProgress);
    const putDone = process.hrtime.bigint();
    // Ends are committed in the order the intents were: an earlier object that failed or was fenced leaves
    // this one recorded (the next owner completes both).
    if (before !== undefined && (await before) === 'fenced') return 'fenced';
    const waited = process.hrtime.bigint();
    if (this.fenced) return 'fenced';
    const outcome = await this.commitEnd(intent, slices);
    if (outcome === 'fenced') return 'fenced';
    const done = process.hrtime.bigint();
    this.options.metrics?.eventsExported(records.valid, records.invalid);
    this.options.metrics?.flushed(Number(done - started) / 1e9);
    // Where a flush's time goes (the store chain is the exporter's throughput limit).
    const ms = (from: bigint, to: bigint) => Math.round(Number(to - from) / 1e6);
    const durationsMs = {
      intent: ms(started, intentDone),
      put: ms(intentDone, putDone),
      waitForEarlier: ms(putDone, waited),
      commit: ms(waited, done),
    };
    this.options.logger.info(
      {
        key: intent.key,
        ranges: intent.ranges,
        records: records.valid,
        invalidRecords: records.invalid,
        durationsMs,
      },
      'object stored and committed',
    );
    await onProgress();
    return 'stored';
  }

  /**
   * Splits a batch into objects whose intents fit the metadata limit (partitions stay whole and ascending),
   * and names each: the interval start never goes below a partition's last one, and the part number is
   * above every part already used with that start by any of the object's partitions.
   */
  private plan(snapshot: BatchSnapshot): PlannedObject[] {
    const objects: PlannedObject[] = [];
    let group: PartitionSlice[] = [];
    for (const slice of snapshot.slices) {
      const candidate = [...group, slice];
      if (group.length > 0 && this.tooLarge(this.intentFor(snapshot.intervalStart, candidate))) {
        objects.push({ intent: this.intentFor(snapshot.intervalStart, group), slices: group });
        group = [slice];
      } else {
        group = candidate;
      }
    }
    if (group.length > 0)
      objects.push({ intent: this.intentFor(snapshot.intervalStart, group), slices: group });
    for (const object of objects) {
      const bytes = metadataBytes(encodeIntent(object.intent));
      if (bytes > this.maxMetadataBytes) {
        throw new Error(
          `the commit metadata of object '${object.intent.key}' needs ${bytes} bytes, more than the broker's ` +
            `limit of ${this.maxMetadataBytes} (offset.metadata.max.bytes) even for a single partition: ` +
            'shorten the path prefix or the stream name, or raise offset.metadata.max.bytes on the brokers.',
        );
      }
      const keyBytes = longestKeyBytes(object.intent.key, this.options.namer);
      if (keyBytes > MAX_S3_KEY_BYTES) {
        throw new Error(
          `the key of object '${object.intent.key}' (or its _invalid/ sibling) is ${keyBytes} bytes, more than ` +
            `S3's limit of ${MAX_S3_KEY_BYTES} even for a single partition: shorten the path prefix or the stream name.`,
        );
      }
    }
    return objects;
  }

  /** An object's intent must fit the broker's commit metadata, and its key (which lists every partition) S3's. */
  private tooLarge(intent: ObjectIntent): boolean {
    return (
      metadataBytes(encodeIntent(intent)) > this.maxMetadataBytes ||
      longestKeyBytes(intent.key, this.options.namer) > MAX_S3_KEY_BYTES
    );
  }

  private intentFor(intervalStart: number, slices: readonly PartitionSlice[]): ObjectIntent {
    const marks = slices
      .map((s) => this.marks.get(s.partition))
      .filter((m): m is PartitionMark => m !== undefined);
    const start = Math.max(intervalStart, ...marks.map((m) => m.intervalStart));
    const used = marks.filter((m) => m.intervalStart === start).map((m) => m.part);
    const part = used.length === 0 ? 0 : Math.max(...used) + 1;
    const partitions = slices.map((s) => s.partition);
    return {
      intervalStart: start,
      part,
      key: this.options.namer.dataKey({ intervalStart: start, partitions, part }),
      ranges: slices.map((s) => ({ partition: s.partition, from: s.from, to: s.to })),
    };
  }

  /** Completes an object whose intent was recorded but maybe not stored; see the protocol above. */
  private async complete(
    intent: ObjectIntent,
    owned: ReadonlySet<number>,
    onProgress: () => Promise<void>,
  ): Promise<FlushOutcome> {
    const { logger } = this.options;
    logger.warn(
      { key: intent.key, ranges: intent.ranges },
      'completing an object recorded before a crash or rebalance',
    );
    const lines = await this.readRecorded(intent, onProgress);
    const ordered = [...lines.entries()].sort(([a], [b]) => a - b).map(([, buffers]) => buffers);
    const valid = ordered.map((buffers) => buffers.valid);
    const invalid = ordered.map((buffers) => buffers.invalid);
    await this.putObjects(intent.key, valid, invalid, onProgress);
    // Only partitions still waiting at the intent's start: an owned partition whose committed offset moved
    // on (another member completed this object for it and exported more) must not be committed back.
    const mine = intent.ranges.filter(
      (r) => owned.has(r.partition) && this.committed.get(r.partition) === r.from,
    );
    // A partition's later intents (objects in flight when it was recorded) stay in its metadata until they too
    // are completed: a crash in between completes them then.
    if (mine.length > 0 && (await this.commitEnd(intent, mine)) === 'fenced') return 'fenced';
    this.options.metrics?.objectRecovered();
    this.options.metrics?.eventsExported(sumLines(valid), sumLines(invalid));
    logger.warn(
      { key: intent.key, partitions: mine.map((r) => r.partition) },
      'recorded object completed and committed',
    );
    return 'stored';
  }

  /**
   * The lines of an intent's ranges, per partition, encoded as the records arrive (only the object is held,
   * never its records too). Under `skip`, ranges that retention shortened are read as far as they are still
   * stored (retention removes from the start, and may advance during the read, hence the loop).
   */
  private async readRecorded(
    intent: ObjectIntent,
    onProgress: () => Promise<void>,
  ): Promise<Map<number, PartitionLines>> {
    const { reader, consumer, topic } = this.options;
    let ranges = intent.ranges;
    for (let attempt = 1; ; attempt++) {
      const lines = new Map<number, PartitionLines>(
        ranges.map((r) => [r.partition, { valid: new LineBuffer(), invalid: new LineBuffer() }]),
      );
      if (ranges.length === 0) return lines;
      try {
        await reader.read(
          ranges,
          (partition, records) => {
            const buffers = lines.get(partition)!;
            for (const record of records) {
              // The same encoder as the batcher's, so the rebuilt object is byte-identical.
              const encoded = encodeRecordContent(topic, partition, record);
              (encoded.valid ? buffers.valid : buffers.invalid).appendLine(encoded.content);
            }
          },
          onProgress,
        );
        return lines;
      } catch (error) {
        if (!(error instanceof DataLossError)) throw error;
        if (this.onDataLoss === 'fail' || attempt === MAX_SKIP_READ_ATTEMPTS) {
          throw new DataLossError(`${error.message} Object: ${intent.key}.${SKIP_HINT}`, error.ranges);
        }
        const watermarks = await consumer.watermarks();
        const lost: OffsetRange[] = [];
        ranges = ranges.flatMap((range) => {
          const low = watermarks.find((w) => w.partition === range.partition)?.low ?? range.to;
          const remaining = maxOffset(range.from, minOffset(low, range.to));
          if (remaining === range.from) return [range];
          lost.push({ partition: range.partition, from: range.from, to: remaining });
          return remaining === range.to ? [] : [{ ...range, from: remaining }];
        });
        if (lost.length > 0) {
          this.dataLost(
            `records of object ${intent.key}, recorded before a crash or rebalance, were removed by retention ` +
              `before the object was completed: ${describeRanges(lost)}.`,
            lost,
          );
        }
      }
    }
  }

  /**
   * Called when the consumer delivers records of `partition` from beyond `from`, where the partition should
   * continue: usually a transaction marker or compaction skipped, but when retention removed `[from, low)`
   * while the exporter was behind, the consumer silently restarted at the low watermark. Returns the range
   * that was lost, if any.
   */
  async findLoss(partition: number, from: string, to: string): Promise<OffsetRange | undefined> {
    const watermarks = await this.options.consumer.watermarks();
    const low = watermarks.find((w) => w.partition === partition)?.low;
    if (low === undefined || BigInt(low) <= BigInt(from)) return undefined;
    return { partition, from, to: minOffset(low, to) };
  }

  /** Where `partition` rests with no object in flight: its committed offset (undefined while objects are in flight). */
  restingAt(partition: number): string | undefined {
    const committed = this.committed.get(partition);
    if (
      committed === undefined ||
      this.reserved.get(partition) !== committed ||
      this.pending.has(partition)
    ) {
      return undefined;
    }
    return committed;
  }

  /**
   * Commits `range.partition` past `range`, which was read and holds no record (the control records of
   * transactions at the end of a partition, which a client may never deliver), keeping its mark.
   */
  async commitPast(range: OffsetRange): Promise<FlushOutcome> {
    if (this.restingAt(range.partition) !== range.from) {
      throw new Error(
        `internal: partition ${range.partition} does not rest at ${range.from} (committed ${this.committed.get(range.partition)})`,
      );
    }
    const mark = this.marks.get(range.partition);
    return this.commitInLane(
      () => [
        {
          partition: range.partition,
          offset: range.to,
          metadata: mark === undefined ? '' : encodeMark(mark),
        },
      ],
      () => {
        this.committed.set(range.partition, range.to);
        this.reserved.set(range.partition, range.to);
      },
    );
  }

  /**
   * Whether `range` holds no record at all (compaction removed them, or they are transaction markers), read
   * through the range reader.
   */
  async holdsNoRecords(range: OffsetRange): Promise<boolean> {
    return (await this.emptyRanges([range])).length === 1;
  }

  /** Those of `ranges` (one per partition) that hold no record, read together through one range reader. */
  async emptyRanges(ranges: readonly OffsetRange[]): Promise<OffsetRange[]> {
    const found = new Set<number>();
    await this.options.reader.read(ranges, (partition, records) => {
      if (records.length > 0) found.add(partition);
    });
    return ranges.filter((range) => !found.has(range.partition));
  }

  /** Throws a {@link DataLossError} (`fail`), or logs and counts the ranges (`skip`). */
  dataLost(description: string, ranges: readonly OffsetRange[]): void {
    if (this.onDataLoss === 'fail') {
      throw new DataLossError(
        `DATA LOSS: ${description} They cannot be exported; raise the topic's retention above the time the ` +
          `exporter may be down or behind.${SKIP_HINT}`,
        ranges,
      );
    }
    for (const range of ranges) {
      this.options.metrics?.recordsLost(range.partition, BigInt(range.to) - BigInt(range.from));
    }
    this.options.logger.error(
      { lost: ranges },
      `DATA LOSS skipped (onDataLoss=skip): ${description} Continuing with the records still stored.`,
    );
  }

  private async putObjects(
    key: string,
    valid: readonly LineBuffer[],
    invalid: readonly LineBuffer[],
    onProgress: () => Promise<void>,
  ): Promise<void> {
    const { store, namer, metrics } = this.options;
    // The chunks the lines were appended into are uploaded as they are: an object is held once, never joined.
    if (sumLines(valid) > 0) {
      const body = valid.flatMap((lines) => lines.chunkViews());
      const outcome = await store.putIfAbsent(key, body);
      metrics?.objectWritten('data', outcome, bodyLength(body));
      await onProgress();
    }
    const invalidRecords = sumLines(invalid);
    if (invalidRecords > 0) {
      const body = invalid.flatMap((lines) => lines.chunkViews());
      const invalidKey = namer.invalidKeyFor(key);
      const outcome = await store.putIfAbsent(invalidKey, body);
      metrics?.objectWritten('invalid', outcome, bodyLength(body));
      this.options.logger.warn(
        { key: invalidKey, records: invalidRecords },
        'malformed records exported to _invalid/',
      );
      await onProgress();
    }
  }

  /**
   * Commits after every commit queued before it: `build` makes the offsets when the commit runs (from the
   * state every earlier commit left), `committed` updates the state once the group accepted them. A refusal
   * fences this manager until the next assignment.
   */
  private commitInLane(
    build: () => Array<{ partition: number; offset: string; metadata: string }>,
    committed: () => void = () => undefined,
  ): Promise<FlushOutcome> {
    const run = this.commitLane.then(async () => {
      const outcome = await this.tryCommit(build());
      if (outcome === 'stored') committed();
      return outcome;
    });
    this.commitLane = run.catch(() => undefined);
    return run;
  }

  /**
   * Commits the end offsets `to` of `intent`'s object for `ranges`, each partition keeping the intents
   * recorded after it (built when the commit runs, so the lists include every intent recorded until then),
   * or only the mark when none is left.
   */
  private commitEnd(
    intent: ObjectIntent,
    ranges: ReadonlyArray<{ readonly partition: number; readonly to: string }>,
  ): Promise<FlushOutcome> {
    return this.commitInLane(
      () =>
        ranges.map((r) => {
          const rest = this.laterIntents(r.partition, intent);
          return {
            partition: r.partition,
            offset: r.to,
            metadata: rest.length > 0 ? encodeIntents(rest) : encodeMark(intent),
          };
        }),
      () => {
        for (const range of ranges) {
          this.committed.set(range.partition, range.to);
          this.setPending(range.partition, this.laterIntents(range.partition, intent));
          const current = this.marks.get(range.partition);
          if (current === undefined || !isAfter(current, intent)) this.marks.set(range.partition, intent);
        }
      },
    );
  }

  /** The intents of `partition` recorded after `intent`, oldest first. */
  private laterIntents(partition: number, intent: ObjectIntent): ObjectIntent[] {
    return (this.pending.get(partition) ?? []).filter((i) => i.key !== intent.key);
  }

  private setPending(partition: number, intents: ObjectIntent[]): void {
    if (intents.length > 0) this.pending.set(partition, intents);
    else this.pending.delete(partition);
  }

  private async tryCommit(
    offsets: Array<{ partition: number; offset: string; metadata: string }>,
  ): Promise<FlushOutcome> {
    if (this.fenced) return 'fenced';
    try {
      await this.options.consumer.commit(offsets);
      return 'stored';
    } catch (error) {
      this.fenced = true;
      this.options.logger.warn(
        { partitions: offsets.map((o) => o.partition), error: (error as Error).message },
        'commit refused or failed; this member writes nothing more until it has (re)joined the group',
      );
      return 'fenced';
    }
  }
}

const MAX_SKIP_READ_ATTEMPTS = 5;

/** Whether mark `a` comes after `b` (a later interval start, or the same one with a higher part). */
function isAfter(a: PartitionMark, b: PartitionMark): boolean {
  return a.intervalStart > b.intervalStart || (a.intervalStart === b.intervalStart && a.part > b.part);
}

/** Bytes of the longer of a data key and its `_invalid/` sibling. */
function longestKeyBytes(key: string, namer: ObjectNamer): number {
  return Buffer.byteLength(namer.invalidKeyFor(key));
}

/** One partition's lines of an object being rebuilt. */
interface PartitionLines {
  readonly valid: LineBuffer;
  readonly invalid: LineBuffer;
}

function describeRanges(ranges: readonly OffsetRange[]): string {
  return ranges.map((r) => `partition ${r.partition} [${r.from}, ${r.to})`).join('; ');
}

function minOffset(a: string, b: string): string {
  return BigInt(a) <= BigInt(b) ? a : b;
}

function maxOffset(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

function sumLines(buffers: readonly LineBuffer[]): number {
  return buffers.reduce((sum, buffer) => sum + buffer.lines, 0);
}
