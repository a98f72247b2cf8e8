import {
  CommitRequest,
  CommittedPosition,
  ConsumedRecord,
  DataLossError,
  FencedError,
  GroupConsumer,
  GroupHandlers,
  OffsetRange,
  PartitionWatermarks,
  RangeReader,
  RecordBatch,
} from '../../../runtime/kafka/consumer';
import type { ObjectBody, ObjectStore, PutOutcome } from '../../../runtime/storage/object-store';

/** An in-memory create-only store. */
export class FakeStore implements ObjectStore {
  readonly bucket = 'fake-bucket';
  readonly objects = new Map<string, Buffer>();
  readonly puts: string[] = [];
  failNext: Error | undefined;

  async putIfAbsent(key: string, body: ObjectBody): Promise<PutOutcome> {
    this.puts.push(key);
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    if (this.objects.has(key)) return 'already-present';
    this.objects.set(key, Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.concat(body));
    return 'created';
  }
}

/** A topic held in memory: partition -> records (offset = index). */
export class FakeTopic {
  readonly partitions = new Map<number, ConsumedRecord[]>();
  /** `partition@offset` of control records (transaction markers, aborted records): a reader never gets them. */
  readonly control = new Set<string>();

  append(partition: number, ...values: Array<string | Buffer | null>): void {
    const records = this.partitions.get(partition) ?? [];
    for (const value of values) {
      records.push({
        offset: String(records.length),
        timestamp: '1700000000000',
        value: typeof value === 'string' ? Buffer.from(value) : value,
      });
    }
    this.partitions.set(partition, records);
  }

  batch(partition: number, from: number, to: number): RecordBatch {
    const records = (this.partitions.get(partition) ?? []).slice(from, to);
    return {
      topic: 'topic',
      partition,
      fetchedOffset: String(from),
      nextOffset: String(from + records.length),
      highWatermark: String(this.partitions.get(partition)?.length ?? 0),
      records,
    };
  }
}

/** A group member over a {@link FakeTopic}: commits land in `committedOffsets`, `fenced` refuses them. */
export class FakeGroupConsumer implements GroupConsumer {
  readonly committedOffsets = new Map<number, { offset: string; metadata: string }>();
  readonly commits: CommitRequest[][] = [];
  readonly seeks: Array<[number, string]> = [];
  fenced = false;
  /** Refuse only the n-th commit from now (1 = the next one). */
  fenceCommitNumber: number | undefined;
  handlers: GroupHandlers | undefined;
  low = new Map<number, string>();

  constructor(private readonly topic: FakeTopic) {}

  async start(handlers: GroupHandlers): Promise<void> {
    this.handlers = handlers;
  }

  /** While set, the next commit waits for it to resolve (then it is cleared). */
  commitGate: Promise<void> | undefined;

  async commit(offsets: readonly CommitRequest[]): Promise<void> {
    const gate = this.commitGate;
    this.commitGate = undefined;
    if (gate !== undefined) await gate;
    if (this.fenceCommitNumber !== undefined && --this.fenceCommitNumber === 0) {
      this.fenceCommitNumber = undefined;
      throw new FencedError('refused (test)');
    }
    if (this.fenced) throw new FencedError('refused (test)');
    this.commits.push([...offsets]);
    for (const o of offsets)
      this.committedOffsets.set(o.partition, { offset: o.offset, metadata: o.metadata });
  }

  async committed(partitions: readonly number[]): Promise<CommittedPosition[]> {
    return partitions.map((partition) => {
      const c = this.committedOffsets.get(partition);
      return { partition, offset: c?.offset, metadata: c?.metadata ?? '' };
    });
  }

  async watermarks(): Promise<PartitionWatermarks[]> {
    return [...this.topic.partitions.entries()].map(([partition, records]) => ({
      partition,
      low: this.low.get(partition) ?? '0',
      high: String(records.length),
    }));
  }

  seek(partition: number, offset: string): void {
    this.seeks.push([partition, offset]);
  }

  stopped = false;

  async stop(): Promise<void> {
    this.stopped = true;
  }
}

/** Reads a {@link FakeTopic}; like the real reader, fails on ranges starting below `low` (retention). */
export class FakeRangeReader implements RangeReader {
  readonly reads: OffsetRange[][] = [];

  constructor(
    private readonly topic: FakeTopic,
    private readonly low = new Map<number, string>(),
  ) {}

  async read(
    ranges: readonly OffsetRange[],
    onRecords: (partition: number, records: readonly ConsumedRecord[]) => void,
    onProgress?: () => Promise<void>,
  ): Promise<void> {
    this.reads.push([...ranges]);
    const lost = ranges.filter((r) => BigInt(this.low.get(r.partition) ?? '0') > BigInt(r.from));
    if (lost.length > 0) {
      throw new DataLossError(
        `DATA LOSS (fake reader): ${lost.map((r) => `partition ${r.partition} [${r.from}, ${r.to})`).join('; ')}.`,
        lost,
      );
    }
    // Partitions interleaved, one record at a time, as fetches from several partitions arrive.
    const queues = ranges.map((range) => ({
      partition: range.partition,
      records: (this.topic.partitions.get(range.partition) ?? [])
        .slice(Number(range.from), Number(range.to))
        .filter((record) => !this.topic.control.has(`${range.partition}@${record.offset}`)),
    }));
    while (queues.some((q) => q.records.length > 0)) {
      for (const queue of queues) {
        const record = queue.records.shift();
        if (record !== undefined) onRecords(queue.partition, [record]);
      }
      await onProgress?.();
    }
  }
}

/** A clock that only moves when told to. */
export class FakeClock {
  private timers: Array<{ at: number; resolve: () => void }> = [];

  constructor(public current: number) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.current + ms, resolve });
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Moves time forward, waking every sleeper that is due. */
  advance(ms: number): void {
    this.current += ms;
    const due = this.timers.filter((t) => t.at <= this.current);
    this.timers = this.timers.filter((t) => t.at > this.current);
    for (const timer of due) timer.resolve();
  }
}

/** Resolves once `condition` holds, letting pending promises run in between. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
