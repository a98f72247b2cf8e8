import type { ConsumedRecord, RecordBatch, RecordColumns } from '../kafka/consumer';
import { encodeRecordContent } from '../format/jsonl';
import { LineBuffer } from '../format/line-buffer';

/** The records of one partition in a batch: the exact range `[from, to)` and its JSONL lines. */
export interface PartitionSlice {
  readonly partition: number;
  readonly from: string;
  readonly to: string;
  /** Lines of the valid records (the data object). */
  readonly valid: LineBuffer;
  /** Lines of the malformed records (the `_invalid/` object). */
  readonly invalid: LineBuffer;
}

/** What one consumer collected in one interval (or part of one, when it reached the size limit). */
export interface BatchSnapshot {
  /** Epoch ms of the interval's start (UTC aligned). */
  readonly intervalStart: number;
  /** Ascending by partition; only partitions with at least one record. */
  readonly slices: readonly PartitionSlice[];
  readonly bytes: number;
  readonly records: number;
}

/** Why a batch was not appended. */
export type AppendRejection = 'not-assigned' | 'stale';

export interface AppendResult {
  /** Batches cut because the next record would have made them larger than the maximum object size. */
  readonly full: BatchSnapshot[];
  /** Set when the batch was ignored; the caller should seek the partition to `resumeAt`. */
  readonly rejected?: AppendRejection;
  readonly resumeAt?: string;
  readonly invalidRecords: number;
  /**
   * Set when the batch was fetched from beyond where the partition should continue: `[from, to)` was
   * skipped by the consumer (transaction markers, or records retention removed; the caller tells which).
   */
  readonly skipped?: { readonly partition: number; readonly from: string; readonly to: string };
}

interface OpenSlice {
  from: string;
  /** At least one past `lastOffset`; set from the batch's next offset (which may skip filtered records). */
  to: string;
  /** Offset of the last record added (kept as is: no per-record arithmetic on the hot path). */
  lastOffset: string;
  valid: LineBuffer;
  invalid: LineBuffer;
}

interface Position {
  /** The offset the next batch should continue from; undefined until known (no committed offset). */
  next: string | undefined;
  /** After a (re)join or seek the first batch must start exactly at `next`; later ones may skip filtered records. */
  exact: boolean;
  /** Where the next slice of this partition starts: the end of the last one, so slices are contiguous. */
  sliceStart: string | undefined;
}

/**
 * Collects the records of the partitions a consumer owns, per interval, as JSONL lines ready to upload.
 * Synchronous on purpose: encoding happens without an await per record.
 *
 * It also guards contiguity: each partition's records must continue where the last batch ended, so a batch
 * delivered late from before a rebalance, or a re-delivery, can never put a record in twice or skip one.
 */
export class Batcher {
  private readonly positions = new Map<number, Position>();
  private open = new Map<number, OpenSlice>();
  private openInterval: number | undefined;
  private openBytes = 0;
  private openRecords = 0;

  constructor(
    private readonly topic: string,
    private readonly maxObjectBytes: number,
    private readonly intervalStartOf: (epochMs: number) => number,
  ) {}

  /** Bytes held in memory. */
  get bytes(): number {
    return this.openBytes;
  }

  /** The interval of the open batch, if it holds records. */
  get interval(): number | undefined {
    return this.openInterval;
  }

  /**
   * Starts a new assignment: drops every record held (the consumer re-reads from the committed offsets) and
   * sets where each assigned partition continues (`undefined`: wherever the consumer starts).
   */
  assign(positions: ReadonlyMap<number, string | undefined>): void {
    this.open = new Map();
    this.openInterval = undefined;
    this.openBytes = 0;
    this.openRecords = 0;
    this.positions.clear();
    for (const [partition, next] of positions) {
      this.positions.set(partition, { next, exact: true, sliceStart: next });
    }
  }

  /**
   * `partition`, expected at `from`, may continue past it: `[from, next batch)` was read and holds no record.
   * Without this, a first batch after a join or seek that starts beyond the expected offset is rejected.
   */
  acceptGap(partition: number, from: string): void {
    const position = this.positions.get(partition);
    if (position !== undefined && position.next === from) position.exact = false;
  }

  /**
   * Where `partition` continues when it holds nothing open (everything received is in taken batches), or
   * undefined while it holds records or its position is not known yet.
   */
  idleAt(partition: number): string | undefined {
    const position = this.positions.get(partition);
    if (position === undefined || this.open.has(partition) || position.next === undefined) return undefined;
    return position.next === position.sliceStart ? position.next : undefined;
  }

  /** `partition`, idle at `from`, continues at `to`: `[from, to)` was read and holds no record. */
  advanceIdle(partition: number, from: string, to: string): boolean {
    const position = this.positions.get(partition);
    if (position === undefined || this.idleAt(partition) !== from) return false;
    position.next = to;
    position.sliceStart = to;
    position.exact = false;
    return true;
  }

  /** The partitions of the current assignment. */
  assigned(): number[] {
    return [...this.positions.keys()].sort((a, b) => a - b);
  }

  /** Encodes a fetched batch received at `now` into the open interval batch. */
  append(batch: RecordBatch, now: number): AppendResult {
    const position = this.positions.get(batch.partition);
    if (position === undefined) return { full: [], rejected: 'not-assigned', invalidRecords: 0 };
    // Right after a join or seek the first batch must not start beyond the expected offset: such a batch
    // was fetched for an earlier assignment. Later gaps are records the consumer filtered (control records).
    if (
      position.next !== undefined &&
      position.exact &&
      BigInt(batch.fetchedOffset) > BigInt(position.next)
    ) {
      return { full: [], rejected: 'stale', resumeAt: position.next, invalidRecords: 0 };
    }
    const skipped =
      position.next !== undefined && BigInt(batch.fetchedOffset) > BigInt(position.next)
        ? { partition: batch.partition, from: position.next, to: batch.fetchedOffset }
        : undefined;
    const full: BatchSnapshot[] = [];
    const interval = this.intervalStartOf(now);
    if (this.openInterval !== undefined && this.openInterval !== interval) full.push(this.take()!);
    const expected = position.next === undefined ? undefined : BigInt(position.next);
    // Only a batch that overlaps what was already received needs a per-record check.
    const skipBelow = expected !== undefined && BigInt(batch.fetchedOffset) < expected ? expected : undefined;
    let invalidRecords = 0;
    if (batch.columns !== undefined) {
      invalidRecords = this.appendColumns(
        batch.partition,
        position,
        batch.columns,
        skipBelow,
        interval,
        full,
      );
    } else {
      for (const record of batch.records) {
        if (skipBelow !== undefined && BigInt(record.offset) < skipBelow) continue;
        if (!this.appendRecord(batch.partition, position, record, interval, full)) invalidRecords++;
      }
    }
    if (expected === undefined || BigInt(batch.nextOffset) > expected) position.next = batch.nextOffset;
    position.exact = false;
    const open = this.open.get(batch.partition);
    if (open !== undefined && BigInt(batch.nextOffset) > BigInt(open.to)) open.to = batch.nextOffset;
    return skipped === undefined ? { full, invalidRecords } : { full, invalidRecords, skipped };
  }

  /** Takes the open batch when its interval ended before `now`. */
  takeIfDue(now: number): BatchSnapshot | undefined {
    if (this.openInterval === undefined || this.openInterval === this.intervalStartOf(now)) return undefined;
    return this.take();
  }

  /** Takes whatever the open batch holds (at shutdown, or when it is due). */
  take(): BatchSnapshot | undefined {
    if (this.openInterval === undefined) return undefined;
    const slices: PartitionSlice[] = [...this.open.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partition, { lastOffset, to, ...slice }]) => {
        const afterLast = BigInt(lastOffset) + 1n;
        return { partition, ...slice, to: BigInt(to) > afterLast ? to : afterLast.toString() };
      });
    for (const slice of slices) {
      const position = this.positions.get(slice.partition);
      if (position !== undefined) position.sliceStart = slice.to;
    }
    const snapshot: BatchSnapshot = {
      intervalStart: this.openInterval,
      slices,
      bytes: this.openBytes,
      records: this.openRecords,
    };
    this.open = new Map();
    this.openInterval = undefined;
    this.openBytes = 0;
    this.openRecords = 0;
    return snapshot;
  }

  /** Makes `partition` continue at `offset` (after recovery completed an object up to there). */
  seek(partition: number, offset: string): void {
    this.positions.set(partition, { next: offset, exact: true, sliceStart: offset });
  }

  /** Encodes one record into the open batch (cutting it first when full); false when it was invalid. */
  private appendRecord(
    partition: number,
    position: Position,
    record: ConsumedRecord,
    interval: number,
    full: BatchSnapshot[],
  ): boolean {
    const encoded = encodeRecordContent(this.topic, partition, record);
    if (this.openBytes > 0 && this.openBytes + encoded.content.length + 1 > this.maxObjectBytes) {
      full.push(this.take()!);
    }
    this.add(partition, position, record.offset, encoded.content, encoded.valid, interval);
    return encoded.valid;
  }

  /**
   * The bulk path: runs of records whose values are their lines as they are (proven by the client, which
   * also says where each run ends) are added to the open batch in one step each, as views of the delivered
   * buffer, newlines included: no work per record. Only the other records become objects and go through the
   * encoder. The same lines and the same cuts at maxObjectBytes as record by record.
   */
  private appendColumns(
    partition: number,
    position: Position,
    columns: RecordColumns,
    skipBelow: bigint | undefined,
    interval: number,
    full: BatchSnapshot[],
  ): number {
    const { data, starts, lengths, offsets, timestamps, lineAsIs, lineAsIsRunEnds, end } = columns;
    let i = columns.first;
    if (skipBelow !== undefined) while (i < end && offsets[i] < skipBelow) i++;
    let invalidRecords = 0;
    while (i < end) {
      if (lineAsIs[i] !== 1) {
        const length = lengths[i];
        const record: ConsumedRecord = {
          offset: offsets[i].toString(),
          timestamp: String(timestamps[i]),
          value: length < 0 ? null : data.subarray(starts[i], starts[i] + length),
        };
        if (!this.appendRecord(partition, position, record, interval, full)) invalidRecords++;
        i++;
        continue;
      }
      const j = this.fittingEnd(columns, i, Math.min(lineAsIsRunEnds[i], end));
      if (j === i) {
        full.push(this.take()!);
        continue;
      }
      // The run's lines lie back to back in `data`: record k's line ends at starts[k] + lengths[k] + 1.
      const bytes = starts[j - 1] + lengths[j - 1] + 1 - starts[i];
      this.slice(partition, position, offsets[i].toString()).valid.appendLines(
        data,
        starts[i],
        starts[i] + bytes,
        j - i,
      );
      this.added(partition, offsets[j - 1].toString(), bytes, j - i, interval);
      i = j;
    }
    return invalidRecords;
  }

  /**
   * How far the run of lines `[first, runEnd)` goes into the open batch: the end of the longest prefix that
   * fits in maxObjectBytes (binary search: line ends grow with the index), at least one line when the batch
   * is empty (a line larger than an object gets an object of its own); `first` when none fits.
   */
  private fittingEnd(columns: RecordColumns, first: number, runEnd: number): number {
    const { starts, lengths } = columns;
    const budget = this.maxObjectBytes - this.openBytes + starts[first];
    const lineEnd = (k: number) => starts[k] + lengths[k] + 1;
    if (lineEnd(runEnd - 1) <= budget) return runEnd;
    let low = first;
    let high = runEnd - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (lineEnd(middle) <= budget) low = middle + 1;
      else high = middle;
    }
    // `low` is the first line that does not fit.
    return low === first && this.openBytes === 0 ? first + 1 : low;
  }

  private add(
    partition: number,
    position: Position,
    offset: string,
    content: Buffer,
    valid: boolean,
    interval: number,
  ): void {
    const slice = this.slice(partition, position, offset);
    (valid ? slice.valid : slice.invalid).appendLine(content);
    this.added(partition, offset, content.length + 1, 1, interval);
  }

  /** The open slice of `partition`, opened at `offset` (or where the last one ended) when there is none. */
  private slice(partition: number, position: Position, offset: string): OpenSlice {
    let slice = this.open.get(partition);
    if (slice === undefined) {
      const from = position.sliceStart ?? offset;
      slice = {
        from,
        to: from,
        lastOffset: offset,
        valid: new LineBuffer(),
        invalid: new LineBuffer(),
      };
      this.open.set(partition, slice);
    }
    return slice;
  }

  private added(
    partition: number,
    lastOffset: string,
    bytes: number,
    records: number,
    interval: number,
  ): void {
    this.open.get(partition)!.lastOffset = lastOffset;
    this.openInterval = interval;
    this.openBytes += bytes;
    this.openRecords += records;
  }
}
