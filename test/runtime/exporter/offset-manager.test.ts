import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataLossPolicy } from '../../../runtime/config/types';
import { Batcher } from '../../../runtime/exporter/batcher';
import { decodeCommitMetadata, encodeMark } from '../../../runtime/exporter/commit-metadata';
import { ObjectNamer } from '../../../runtime/exporter/object-namer';
import { OffsetManager } from '../../../runtime/exporter/offset-manager';
import { DataLossError } from '../../../runtime/kafka/consumer';
import { ExporterMetrics } from '../../../runtime/observability/metrics';
import { StorePermanentError } from '../../../runtime/storage/object-store';
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
}

function setup(options: SetupOptions = {}) {
  const topic = new FakeTopic();
  for (let p = 0; p < (options.partitions ?? 2); p++) {
    topic.append(p, ...Array.from({ length: options.records ?? 3 }, (_, i) => `{"p":${p},"i":${i}}`));
  }
  const consumer = new FakeGroupConsumer(topic);
  const reader = new FakeRangeReader(topic, consumer.low);
  const store = new FakeStore();
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
    expect(decodeCommitMetadata(intent[0].metadata).intent).toMatchObject({
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
    expect(decodeCommitMetadata(consumer.committedOffsets.get(1)!.metadata).intent?.key).toBe(key);

    // The owner of partition 1 completes the same object: already present, nothing written twice.
    const third = manager();
    await expect(third.assign([1], noProgress)).resolves.toEqual(new Map([[1, '3']]));
    expect(store.objects.size).toBe(1);
    expect(decodeCommitMetadata(consumer.committedOffsets.get(1)!.metadata).intent).toBeUndefined();
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
      /starts at 1 but the committed offset is 0/,
    );
  });
});
