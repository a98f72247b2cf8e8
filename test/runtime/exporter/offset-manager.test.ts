import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataLossPolicy } from '../../../runtime/config/types';
import { Batcher } from '../../../runtime/exporter/batcher';
import { decodeCommitMetadata, encodeMark } from '../../../runtime/exporter/commit-metadata';
import { ObjectNamer } from '../../../runtime/exporter/object-namer';
import { OffsetManager } from '../../../runtime/exporter/offset-manager';
import { DataLossError } from '../../../runtime/kafka/consumer';
import { ExporterMetrics } from '../../../runtime/observability/metrics';
import { ObjectBody, StorePermanentError } from '../../../runtime/storage/object-store';
import { memoryLogger } from '../support/exporter-harness';
import { metricValue } from '../support/metrics';
import { FakeGroupConsumer, FakeRangeReader, FakeStore, FakeTopic } from '../support/fakes';

const t0 = Date.parse('2024-01-01T00:00:00Z');

const noProgress = async () => undefined;

interface SetupOptions {
  readonly partitions?: number;
  readonly records?: number;
  readonly maxCommitMetadataBytes?: number;
  readonly onDataLoss?: DataLossPolicy;
  /** @default 'pre' */
  readonly pathPrefix?: string;
  readonly maxObjectsInFlight?: number;
  readonly store?: FakeStore;
}

function setup(options: SetupOptions = {}) {
  const topic = new FakeTopic();
  for (let p = 0; p < (options.partitions ?? 2); p++) {
    topic.append(p, ...Array.from({ length: options.records ?? 3 }, (_, i) => `{"p":${p},"i":${i}}`));
  }
  const consumer = new FakeGroupConsumer(topic);
  const reader = new FakeRangeReader(topic, consumer.low);
  const store = options.store ?? new FakeStore();
  const registry = new Registry();
  const logs = memoryLogger();
  const metrics = new ExporterMetrics(registry, logs.logger);
  const manager = () =>
    new OffsetManager({
      consumer,
      reader,
      store,
      namer: new ObjectNamer('s', options.pathPrefix ?? 'pre'),
      topic: 'topic',
      includeExistingEvents: true,
      logger: logs.logger,
      metrics,
      maxCommitMetadataBytes: options.maxCommitMetadataBytes,
      onDataLoss: options.onDataLoss,
      maxObjectsInFlight: options.maxObjectsInFlight,
    });
  return { topic, consumer, reader, store, manager, registry, logs };
}

/** Reads every partition of `topic` from `positions` into one snapshot taken at t0. */
function snapshotOf(topic: FakeTopic, positions: Map<number, string>, at = t0) {
  const batcher = new Batcher('topic', 1 << 20, (ms) => Math.floor(ms / 1000) * 1000);
  batcher.assign(positions);
  for (const [partition, from] of positions) {
    batcher.append(topic.batch(partition, Number(from), topic.partitions.get(partition)!.length), at);
  }
  return batcher.take()!;
}

/** One snapshot (taken at t0) of `ranges`: `[partition, from, to)`. */
function snapshotOfRanges(topic: FakeTopic, ranges: ReadonlyArray<[number, number, number]>) {
  const batcher = new Batcher('topic', 1 << 20, (ms) => Math.floor(ms / 1000) * 1000);
  batcher.assign(new Map(ranges.map(([partition, from]) => [partition, String(from)])));
  for (const [partition, from, to] of ranges) batcher.append(topic.batch(partition, from, to), t0);
  return batcher.take()!;
}

/** A store whose puts wait, each until its key is released, while `holding` is set. */
class KeyGatedStore extends FakeStore {
  holding = true;
  private readonly gates = new Map<string, () => void>();

  /** Keys whose puts are waiting. */
  waiting(): string[] {
    return [...this.gates.keys()];
  }

  release(key: string): void {
    const open = this.gates.get(key);
    if (open === undefined)
      throw new Error(`no put of ${key} is waiting (waiting: ${this.waiting().join(', ')})`);
    this.gates.delete(key);
    open();
  }

  override async putIfAbsent(key: string, body: ObjectBody) {
    if (this.holding) await new Promise<void>((resolve) => this.gates.set(key, resolve));
    return super.putIfAbsent(key, body);
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const firstKey = 'pre/2024-01-01T00:00:00-stream-s---0-1.jsonl';
const secondKey = 'pre/2024-01-01T00:00:00-stream-s---0-1.1.jsonl';

describe('OffsetManager with several objects in flight', () => {
  function twoBatches(options: SetupOptions = {}) {
    const store = new KeyGatedStore();
    const context = setup({ records: 6, ...options, store });
    const first = snapshotOfRanges(context.topic, [
      [0, 0, 3],
      [1, 0, 3],
    ]);
    const second = snapshotOfRanges(context.topic, [
      [0, 3, 6],
      [1, 3, 6],
    ]);
    return { ...context, store, first, second };
  }

  test("records the next batch's intent while the previous object uploads, and commits the ends in order", async () => {
    const { consumer, store, manager, first, second } = twoBatches();
    const offsets = manager();
    await offsets.assign([0, 1], noProgress);
    const one = await offsets.admit(first, noProgress);
    const two = await offsets.admit(second, noProgress);
    if (one === 'fenced' || two === 'fenced') throw new Error('unexpected fence');
    await until(() => store.waiting().length === 2, 'both uploads');
    // Both intents are listed, oldest first, at the unchanged committed offset.
    for (const partition of [0, 1]) {
      const committed = consumer.committedOffsets.get(partition)!;
      expect(committed.offset).toBe('0');
      expect(decodeCommitMetadata(committed.metadata).intents?.map((i) => i.key)).toEqual([
        firstKey,
        secondKey,
      ]);
    }
    // The later upload finishing first commits nothing: its end waits for the earlier object's.
    store.release(secondKey);
    await until(() => store.objects.has(secondKey), 'the second object');
    await new Promise((resolve) => setImmediate(resolve));
    expect(consumer.committedOffsets.get(0)!.offset).toBe('0');
    store.release(firstKey);
    await expect(one.stored).resolves.toBe('stored');
    await expect(two.stored).resolves.toBe('stored');
    const ends = consumer.commits.slice(-2);
    expect(ends.map((commit) => commit.map((c) => c.offset))).toEqual([
      ['3', '3'],
      ['6', '6'],
    ]);
    // The first end leaves the second intent recorded; the second clears it, keeping its mark.
    expect(decodeCommitMetadata(ends[0][0].metadata).intents?.map((i) => i.key)).toEqual([secondKey]);
    expect(decodeCommitMetadata(ends[1][0].metadata)).toEqual({ mark: { intervalStart: t0, part: 1 } });
  });

  test('an end commit queued behind a later intent commit keeps that later intent in the metadata', async () => {
    const { consumer, store, manager, first, second } = twoBatches();
    const offsets = manager();
    await offsets.assign([0, 1], noProgress);
    const one = await offsets.admit(first, noProgress);
    if (one === 'fenced') throw new Error('unexpected fence');
    await until(() => store.waiting().length === 1, 'the first upload');
    // The second intent's commit is slow: the first object's end commit queues up behind it.
    let open!: () => void;
    consumer.commitGate = new Promise<void>((resolve) => (open = resolve));
    const two = offsets.admit(second, noProgress);
    store.release(firstKey);
    await until(() => store.objects.has(firstKey), 'the first object');
    open();
    await expect(one.stored).resolves.toBe('stored');
    const firstEnd = consumer.commits.find((commit) => commit[0].offset === '3')!;
    expect(decodeCommitMetadata(firstEnd[0].metadata).intents?.map((i) => i.key)).toEqual([secondKey]);
    const admitted = await two;
    if (admitted === 'fenced') throw new Error('unexpected fence');
    store.release(secondKey);
    await expect(admitted.stored).resolves.toBe('stored');
  });

  test('after a crash with two objects in flight, the next owner completes both, byte for byte, once', async () => {
    const { topic, consumer, store, manager, first, second } = twoBatches();
    const crashed = manager();
    await crashed.assign([0, 1], noProgress);
    await crashed.admit(first, noProgress);
    await crashed.admit(second, noProgress);
    await until(() => store.waiting().length === 2, 'both uploads');
    // The crashed member's uploads never finish; the next owner's go through.
    store.holding = false;
    const next = manager();
    await expect(next.assign([0, 1], noProgress)).resolves.toEqual(
      new Map([
        [0, '6'],
        [1, '6'],
      ]),
    );
    const expected = (snapshot: typeof first) =>
      Buffer.concat(snapshot.slices.flatMap((s) => s.valid.chunkViews())).toString();
    expect(store.objects.get(firstKey)!.toString()).toBe(expected(first));
    expect(store.objects.get(secondKey)!.toString()).toBe(expected(second));
    for (const partition of [0, 1]) {
      expect(decodeCommitMetadata(consumer.committedOffsets.get(partition)!.metadata)).toEqual({
        mark: { intervalStart: t0, part: 1 },
      });
    }
    // Every record is in exactly one object.
    const lines = [...store.objects.values()].flatMap((body) => body.toString().split('\n').filter(Boolean));
    expect(lines.sort()).toEqual(
      [0, 1].flatMap((p) => topic.partitions.get(p)!.map((r) => r.value!.toString())).sort(),
    );
  });

  test('after a crash between the two end commits, the next owner completes the later object', async () => {
    const { consumer, store, manager, first, second } = twoBatches();
    const crashed = manager();
    await crashed.assign([0, 1], noProgress);
    const one = await crashed.admit(first, noProgress);
    await crashed.admit(second, noProgress);
    await until(() => store.waiting().length === 2, 'both uploads');
    store.release(firstKey);
    if (one === 'fenced') throw new Error('unexpected fence');
    await expect(one.stored).resolves.toBe('stored');
    expect(consumer.committedOffsets.get(0)!.offset).toBe('3');
    store.holding = false;
    await expect(manager().assign([0, 1], noProgress)).resolves.toEqual(
      new Map([
        [0, '6'],
        [1, '6'],
      ]),
    );
    expect([...store.objects.keys()].sort()).toEqual([firstKey, secondKey].sort());
    expect(store.puts.filter((key) => key === firstKey)).toHaveLength(1);
  });

  test('an object waits to join the flight while its intent does not fit beside those in flight', async () => {
    // Room for one two-partition intent, not two.
    const { consumer, store, manager, first, second } = twoBatches({ maxCommitMetadataBytes: 200 });
    const offsets = manager();
    await offsets.assign([0, 1], noProgress);
    await offsets.admit(first, noProgress);
    let admitted = false;
    const two = offsets.admit(second, noProgress).then((result) => {
      admitted = true;
      return result;
    });
    await until(() => store.waiting().length === 1, 'the first upload');
    await new Promise((resolve) => setImmediate(resolve));
    expect(admitted).toBe(false);
    store.release(firstKey);
    await until(() => store.waiting().length === 1 && store.waiting()[0] === secondKey, 'the second upload');
    store.release(secondKey);
    const result = await two;
    if (result === 'fenced') throw new Error('unexpected fence');
    await expect(result.stored).resolves.toBe('stored');
    for (const commit of consumer.commits.flat()) {
      expect(Buffer.byteLength(commit.metadata)).toBeLessThanOrEqual(200);
    }
  });

  test('keeps at most maxObjectsInFlight objects in flight', async () => {
    const store = new KeyGatedStore();
    const { topic, manager } = setup({ partitions: 1, records: 3, store, maxObjectsInFlight: 2 });
    const offsets = manager();
    await offsets.assign([0], noProgress);
    const batches = [0, 1, 2].map((i) => snapshotOfRanges(topic, [[0, i, i + 1]]));
    await offsets.admit(batches[0], noProgress);
    await offsets.admit(batches[1], noProgress);
    let third = false;
    const admitting = offsets.admit(batches[2], noProgress).then(() => (third = true));
    await until(() => store.waiting().length === 2, 'two uploads');
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    store.release('pre/2024-01-01T00:00:00-stream-s---0.jsonl');
    await admitting;
    await until(() => store.waiting().length === 2, 'the third upload');
    expect(store.waiting()).toEqual([
      'pre/2024-01-01T00:00:00-stream-s---0.1.jsonl',
      'pre/2024-01-01T00:00:00-stream-s---0.2.jsonl',
    ]);
  });

  test('a refused intent fences the member: the object in flight commits no end, and the next owner completes it', async () => {
    const { consumer, store, manager, first, second } = twoBatches();
    const member = manager();
    await member.assign([0, 1], noProgress);
    const one = await member.admit(first, noProgress);
    await until(() => store.waiting().length === 1, 'the first upload');
    consumer.fenceCommitNumber = 1;
    await expect(member.admit(second, noProgress)).resolves.toBe('fenced');
    store.release(firstKey);
    if (one === 'fenced') throw new Error('unexpected fence');
    await expect(one.stored).resolves.toBe('fenced');
    expect(consumer.committedOffsets.get(0)!.offset).toBe('0');
    expect(store.waiting()).toEqual([]);
    store.holding = false;
    await expect(manager().assign([0, 1], noProgress)).resolves.toEqual(
      new Map([
        [0, '3'],
        [1, '3'],
      ]),
    );
    expect([...store.objects.keys()]).toEqual([firstKey]);
  });
});

describe('OffsetManager', () => {
  test('commits an intent, stores the object, then commits the end offsets with the intent cleared', async () => {
    const { topic, consumer, store, manager } = setup();
    const offsets = manager();
    const positions = await offsets.assign([0, 1], noProgress);
    expect(positions).toEqual(
      new Map([
        [0, '0'],
        [1, '0'],
      ]),
    );
    await expect(
      offsets.flush(snapshotOf(topic, positions as Map<number, string>), noProgress),
    ).resolves.toBe('stored');
    const key = 'pre/2024-01-01T00:00:00-stream-s---0-1.jsonl';
    expect([...store.objects.keys()]).toEqual([key]);
    expect(store.objects.get(key)!.toString().split('\n').filter(Boolean)).toHaveLength(6);
    const [pins, intent, end] = consumer.commits;
    expect(pins.map((c) => c.offset)).toEqual(['0', '0']);
    expect(intent.map((c) => c.offset)).toEqual(['0', '0']);
    expect(decodeCommitMetadata(intent[0].metadata).intents?.[0]).toMatchObject({
      key,
      ranges: [
        { partition: 0, from: '0', to: '3' },
        { partition: 1, from: '0', to: '3' },
      ],
    });
    expect(end.map((c) => c.offset)).toEqual(['3', '3']);
    expect(decodeCommitMetadata(end[0].metadata)).toEqual({ mark: { intervalStart: t0, part: 0 } });
  });

  test('writes nothing when the group refuses the intent (a member that lost its partitions)', async () => {
    const { topic, consumer, store, manager } = setup();
    const offsets = manager();
    const positions = (await offsets.assign([0, 1], noProgress)) as Map<number, string>;
    consumer.fenced = true;
    await expect(offsets.flush(snapshotOf(topic, positions), noProgress)).resolves.toBe('fenced');
    expect(store.puts).toEqual([]);
  });

  test('completes a recorded intent byte for byte after a crash between put and commit, without duplicates', async () => {
    const { topic, consumer, store, reader, manager } = setup();
    const first = manager();
    const positions = (await first.assign([0, 1], noProgress)) as Map<number, string>;
    store.failNext = new StorePermanentError('denied (test)', 'access-denied', 'fake-bucket', undefined);
    await expect(first.flush(snapshotOf(topic, positions), noProgress)).rejects.toThrow('denied (test)');
    expect(store.objects.size).toBe(0);

    // Another member takes over partition 0 only: it must rebuild the whole object, partition 1 included.
    const second = manager();
    await expect(second.assign([0], noProgress)).resolves.toEqual(new Map([[0, '3']]));
    expect(reader.reads).toHaveLength(1);
    expect(reader.reads[0].map((r) => r.partition)).toEqual([0, 1]);
    const key = 'pre/2024-01-01T00:00:00-stream-s---0-1.jsonl';
    const expected = snapshotOf(topic, positions);
    expect(store.objects.get(key)).toEqual(
      Buffer.concat(expected.slices.flatMap((s) => s.valid.chunkViews())),
    );
    expect(consumer.committedOffsets.get(0)).toMatchObject({ offset: '3' });
    expect(decodeCommitMetadata(consumer.committedOffsets.get(1)!.metadata).intents?.[0]?.key).toBe(key);

    // The owner of partition 1 completes the same object: already present, nothing written twice.
    const third = manager();
    await expect(third.assign([1], noProgress)).resolves.toEqual(new Map([[1, '3']]));
    expect(store.objects.size).toBe(1);
    expect(decodeCommitMetadata(consumer.committedOffsets.get(1)!.metadata).intents).toBeUndefined();
  });

  test('completing a recorded intent never moves back a partition that went on past it', async () => {
    const { topic, consumer, store, manager } = setup();
    const first = manager();
    const positions = (await first.assign([0, 1], noProgress)) as Map<number, string>;
    store.failNext = new StorePermanentError('denied (test)', 'access-denied', 'fake-bucket', undefined);
    await expect(first.flush(snapshotOf(topic, positions), noProgress)).rejects.toThrow('denied (test)');
    // The owner of partition 0 completes the object for partition 0 and exports more of it (offset 5) ...
    await manager().assign([0], noProgress);
    consumer.committedOffsets.set(0, { offset: '5', metadata: '' });
    // ... then a member gets both: partition 1 still holds the intent, partition 0 must stay at 5.
    await expect(manager().assign([0, 1], noProgress)).resolves.toEqual(
      new Map([
        [0, '5'],
        [1, '3'],
      ]),
    );
    expect(consumer.committedOffsets.get(0)).toMatchObject({ offset: '5' });
    expect(consumer.committedOffsets.get(1)).toMatchObject({ offset: '3' });
    expect(store.objects.size).toBe(1);
  });

  test('gives a later object of the same interval and partitions a new part number', async () => {
    const { topic, store, manager } = setup({ partitions: 1, records: 2 });
    const first = manager();
    await first.flush(
      snapshotOf(topic, (await first.assign([0], noProgress)) as Map<number, string>),
      noProgress,
    );
    topic.append(0, '{"late":true}');
    const restarted = manager();
    const positions = (await restarted.assign([0], noProgress)) as Map<number, string>;
    expect(positions.get(0)).toBe('2');
    await restarted.flush(snapshotOf(topic, positions), noProgress);
    expect([...store.objects.keys()]).toEqual([
      'pre/2024-01-01T00:00:00-stream-s---0.jsonl',
      'pre/2024-01-01T00:00:00-stream-s---0.1.jsonl',
    ]);
  });

  test('splits a batch into objects whose intents fit the broker metadata limit', async () => {
    const { topic, consumer, store, manager } = setup({
      partitions: 6,
      records: 1,
      maxCommitMetadataBytes: 140,
    });
    const offsets = manager();
    const positions = (await offsets.assign([0, 1, 2, 3, 4, 5], noProgress)) as Map<number, string>;
    await expect(offsets.flush(snapshotOf(topic, positions), noProgress)).resolves.toBe('stored');
    expect(store.objects.size).toBeGreaterThan(1);
    const intents = consumer.commits
      .flatMap((c) => c.map((o) => o.metadata))
      .filter((m) => m.includes('"k"'));
    for (const metadata of intents) expect(Buffer.byteLength(metadata)).toBeLessThanOrEqual(140);
    const partitionsInKeys = [...store.objects.keys()].flatMap((k) =>
      /---([\d-]+)\.jsonl$/.exec(k)![1].split('-'),
    );
    expect(partitionsInKeys.sort()).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  test("splits a batch into objects whose keys, which list their partitions, fit S3's 1024 bytes", async () => {
    const pathPrefix = 'p'.repeat(800);
    const { topic, store, manager } = setup({ partitions: 100, records: 1, pathPrefix });
    const offsets = manager();
    const all = Array.from({ length: 100 }, (_, p) => p);
    const positions = (await offsets.assign(all, noProgress)) as Map<number, string>;
    await expect(offsets.flush(snapshotOf(topic, positions), noProgress)).resolves.toBe('stored');
    const keys = [...store.objects.keys()];
    expect(keys.length).toBeGreaterThan(1);
    for (const key of keys) {
      expect(Buffer.byteLength(key.replace(`${pathPrefix}/`, `${pathPrefix}/_invalid/`))).toBeLessThanOrEqual(
        1024,
      );
    }
    const partitionsInKeys = keys.flatMap((k) => /---([\d-]+)\.jsonl$/.exec(k)![1].split('-').map(Number));
    expect(partitionsInKeys.sort((a, b) => a - b)).toEqual(all);
  });

  test('fails naming the key when not even one partition fits S3 key length limit', async () => {
    const { topic, manager } = setup({ partitions: 1, pathPrefix: 'p'.repeat(1000) });
    const offsets = manager();
    const positions = (await offsets.assign([0], noProgress)) as Map<number, string>;
    await expect(offsets.flush(snapshotOf(topic, positions), noProgress)).rejects.toThrow(
      /\(or its _invalid\/ sibling\) is 10\d\d bytes, more than S3's limit of 1024 even for a single partition: shorten the path prefix or the stream name\./,
    );
  });

  test('fails when a single partition intent cannot fit the metadata limit', async () => {
    const { topic, manager } = setup({ partitions: 1, maxCommitMetadataBytes: 50 });
    const offsets = manager();
    const positions = (await offsets.assign([0], noProgress)) as Map<number, string>;
    await expect(offsets.flush(snapshotOf(topic, positions), noProgress)).rejects.toThrow(
      /needs \d+ bytes, more than the broker's limit of 50 \(offset.metadata.max.bytes\).*shorten the path prefix/,
    );
  });

  test('fails with the lost ranges when retention removed records after the committed offset', async () => {
    const { consumer, manager } = setup({ records: 10 });
    consumer.committedOffsets.set(0, { offset: '2', metadata: '' });
    consumer.committedOffsets.set(1, { offset: '9', metadata: '' });
    consumer.low.set(0, '5');
    consumer.low.set(1, '5');
    const failure = manager().assign([0, 1], noProgress);
    await expect(failure).rejects.toBeInstanceOf(DataLossError);
    await expect(failure).rejects.toThrow(
      "DATA LOSS: records of topic 'topic' after the committed offsets were removed by retention before they " +
        "were exported: partition 0 [2, 5). They cannot be exported; raise the topic's retention above the time " +
        'the exporter may be down or behind. To export what is still stored and go on without the lost ' +
        'records, set BATCH_EXPORTER_ON_DATA_LOSS=skip (BatchExporter prop onDataLoss: "skip").',
    );
  });

  test('with onDataLoss=skip, logs and counts the lost ranges and continues at the low watermark', async () => {
    const { consumer, manager, registry, logs } = setup({ records: 10, onDataLoss: 'skip' });
    const mark = encodeMark({ intervalStart: t0, part: 2 });
    consumer.committedOffsets.set(0, { offset: '2', metadata: mark });
    consumer.committedOffsets.set(1, { offset: '9', metadata: '' });
    consumer.low.set(0, '5');
    consumer.low.set(1, '5');
    await expect(manager().assign([0, 1], noProgress)).resolves.toEqual(
      new Map([
        [0, '5'],
        [1, '9'],
      ]),
    );
    // The skip is committed, keeping the partition's object mark so later keys stay unique.
    expect(consumer.committedOffsets.get(0)).toEqual({ offset: '5', metadata: mark });
    const [entry] = logs.lines.map((l) => JSON.parse(l)).filter((e) => e.level === 50);
    expect(entry.msg).toContain('DATA LOSS skipped (onDataLoss=skip)');
    expect(entry.lost).toEqual([{ partition: 0, from: '2', to: '5' }]);
    expect(await metricValue(registry, 'batch_exporter_records_lost_total', { partition: '0' })).toBe(3);
  });

  test('with onDataLoss=skip, completes a recorded object with the records retention left', async () => {
    const { topic, consumer, store, manager, registry } = setup({ records: 6, onDataLoss: 'skip' });
    const first = manager();
    const positions = (await first.assign([0, 1], noProgress)) as Map<number, string>;
    store.failNext = new StorePermanentError('denied (test)', 'access-denied', 'fake-bucket', undefined);
    await expect(first.flush(snapshotOf(topic, positions), noProgress)).rejects.toThrow('denied (test)');
    consumer.low.set(0, '4');

    await expect(manager().assign([0, 1], noProgress)).resolves.toEqual(
      new Map([
        [0, '6'],
        [1, '6'],
      ]),
    );
    const [key] = [...store.objects.keys()];
    const lines = store.objects.get(key)!.toString().trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { p: 0, i: 4 },
      { p: 0, i: 5 },
      ...Array.from({ length: 6 }, (_, i) => ({ p: 1, i })),
    ]);
    expect(await metricValue(registry, 'batch_exporter_records_lost_total', { partition: '0' })).toBe(4);
  });

  test('fails with the object key and the skip hint when a recorded range is gone', async () => {
    const { topic, consumer, store, manager } = setup({ records: 6 });
    const first = manager();
    const positions = (await first.assign([0, 1], noProgress)) as Map<number, string>;
    store.failNext = new StorePermanentError('denied (test)', 'access-denied', 'fake-bucket', undefined);
    await expect(first.flush(snapshotOf(topic, positions), noProgress)).rejects.toThrow('denied (test)');
    consumer.low.set(1, '2');
    const failure = manager().assign([0, 1], noProgress);
    await expect(failure).rejects.toBeInstanceOf(DataLossError);
    await expect(failure).rejects.toThrow(
      /partition 1 \[0, 6\).* Object: pre\/2024-01-01T00:00:00-stream-s---0-1\.jsonl\. .*BATCH_EXPORTER_ON_DATA_LOSS=skip/,
    );
    expect(store.objects.size).toBe(0);
  });

  test('finds a loss only when the low watermark is past where a partition should continue', async () => {
    const { consumer, manager } = setup({ records: 10 });
    const offsets = manager();
    consumer.low.set(0, '4');
    await expect(offsets.findLoss(0, '4', '9')).resolves.toBeUndefined();
    await expect(offsets.findLoss(0, '2', '9')).resolves.toEqual({ partition: 0, from: '2', to: '4' });
    await expect(offsets.findLoss(0, '2', '3')).resolves.toEqual({ partition: 0, from: '2', to: '3' });
  });

  test('starts a new group at the earliest or latest offset and pins it with a commit', async () => {
    const { consumer, topic, reader, store } = setup({ partitions: 1, records: 4 });
    consumer.low.set(0, '1');
    const latest = new OffsetManager({
      consumer,
      reader,
      store,
      namer: new ObjectNamer('s', undefined),
      topic: 'topic',
      includeExistingEvents: false,
      logger: pino({ level: 'silent' }),
    });
    await expect(latest.assign([0], noProgress)).resolves.toEqual(new Map([[0, '4']]));
    expect(consumer.committedOffsets.get(0)?.offset).toBe('4');
    consumer.committedOffsets.clear();
    expect(topic.partitions.get(0)).toHaveLength(4);
    const earliest = new OffsetManager({
      consumer,
      reader,
      store,
      namer: new ObjectNamer('s', undefined),
      topic: 'topic',
      includeExistingEvents: true,
      logger: pino({ level: 'silent' }),
    });
    await expect(earliest.assign([0], noProgress)).resolves.toEqual(new Map([[0, '1']]));
  });

  test('refuses to write a batch that does not continue the committed offset', async () => {
    const { topic, manager } = setup();
    const offsets = manager();
    await offsets.assign([0, 1], noProgress);
    const skipping = snapshotOf(
      topic,
      new Map([
        [0, '1'],
        [1, '0'],
      ]),
    );
    await expect(offsets.flush(skipping, noProgress)).rejects.toThrow(
      /starts at 1 but the partition continues at 0/,
    );
  });
});
