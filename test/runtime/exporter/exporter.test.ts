import { Registry } from 'prom-client';
import type { DataLossPolicy, ExporterConfig } from '../../../runtime/config/types';
import { startExporter } from '../../../runtime/exporter';
import { decodeCommitMetadata } from '../../../runtime/exporter/commit-metadata';
import { DataLossError } from '../../../runtime/kafka/consumer';
import { ExporterMetrics } from '../../../runtime/observability/metrics';
import type { ObjectBody } from '../../../runtime/storage/object-store';
import { memoryLogger } from '../support/exporter-harness';
import { metricValue } from '../support/metrics';
import {
  FakeClock,
  FakeGroupConsumer,
  FakeRangeReader,
  FakeStore,
  FakeTopic,
  eventually,
} from '../support/fakes';

const t0 = Date.parse('2024-05-01T12:00:00.000Z');

const config: ExporterConfig = {
  exporterName: 'unit',
  stream: { name: 'demo', topic: 'topic' },
  kafka: { brokers: ['unused:9092'], clientId: 'unit', groupId: 'unit', client: 'kafkajs', tls: false },
  sink: { bucket: 'fake-bucket', credentials: { kind: 'default-chain' } },
  pathPrefix: 'p',
  intervalSeconds: 10,
  includeExistingEvents: true,
  maxObjectBytes: 1 << 20,
  httpPort: 0,
  logLevel: 'info',
  onDataLoss: 'fail',
};

/** Holds data uploads until `release()`. */
class GatedStore extends FakeStore {
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));

  release(): void {
    this.opened();
  }

  override async putIfAbsent(key: string, body: ObjectBody) {
    if (!key.includes('.strm_test_')) await this.gate;
    return super.putIfAbsent(key, body);
  }
}

interface StartOptions {
  readonly records?: number;
  readonly maxObjectBytes?: number;
  readonly store?: FakeStore;
  readonly onDataLoss?: DataLossPolicy;
}

async function started(options: StartOptions = {}) {
  const topic = new FakeTopic();
  topic.append(0, ...Array.from({ length: options.records ?? 3 }, (_, i) => `{"i":${i}}`));
  topic.append(1, '{"i":"b"}');
  const consumer = new FakeGroupConsumer(topic);
  const store = options.store ?? new FakeStore();
  const clock = new FakeClock(t0 + 3_000);
  const registry = new Registry();
  const { logger, lines } = memoryLogger('debug');
  const exporter = await startExporter(
    {
      ...config,
      maxObjectBytes: options.maxObjectBytes ?? config.maxObjectBytes,
      onDataLoss: options.onDataLoss ?? config.onDataLoss,
    },
    {
      logger,
      registry,
      clock,
      store,
      consumerFactory: {
        createGroupConsumer: () => consumer,
        createRangeReader: () => new FakeRangeReader(topic, consumer.low),
      },
    },
  );
  await eventually(() => consumer.handlers !== undefined, 'the consumer to start');
  consumer.handlers!.onAssigned([0, 1], 1);
  await exporter.ready;
  const heartbeats: number[] = [];
  const deliver = (partition: number, from: number, to: number) =>
    consumer.handlers!.onBatch(topic.batch(partition, from, to), {
      heartbeat: async () => void heartbeats.push(1),
    });
  const dataKeys = () => [...store.objects.keys()].filter((k) => !k.includes('.strm_test_'));
  return { topic, consumer, store, clock, registry, exporter, deliver, dataKeys, lines, heartbeats };
}

describe('startExporter (with fake Kafka, S3 and clock)', () => {
  test('writes the validation object first, then flushes each interval when it ends, named by its UTC start', async () => {
    const { store, clock, deliver, dataKeys, exporter } = await started();
    expect([...store.objects.keys()]).toEqual([
      expect.stringMatching(/^p\/\.strm_test_[0-9a-f-]{36}\.jsonl$/),
    ]);
    await deliver(0, 0, 3);
    await deliver(1, 0, 1);
    expect(dataKeys()).toEqual([]);
    clock.advance(7_010);
    await eventually(() => dataKeys().length === 1, 'the interval flush');
    expect(dataKeys()).toEqual(['p/2024-05-01T12:00:00-stream-demo---0-1.jsonl']);
    expect(store.objects.get(dataKeys()[0])!.toString()).toBe('{"i":0}\n{"i":1}\n{"i":2}\n{"i":"b"}\n');
    await exporter.stop();
  });

  test('writes no object for an interval without events', async () => {
    const { clock, dataKeys, exporter } = await started();
    clock.advance(30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dataKeys()).toEqual([]);
    await exporter.stop();
    expect(dataKeys()).toEqual([]);
  });

  test('stop() stores the open batch, commits its end offsets and leaves the group', async () => {
    const { consumer, deliver, dataKeys, exporter } = await started();
    await deliver(0, 0, 3);
    await exporter.stop();
    await expect(exporter.stopped).resolves.toBeUndefined();
    expect(dataKeys()).toEqual(['p/2024-05-01T12:00:00-stream-demo---0.jsonl']);
    expect(consumer.committedOffsets.get(0)?.offset).toBe('3');
    expect(decodeCommitMetadata(consumer.committedOffsets.get(0)!.metadata).intents).toBeUndefined();
    expect(consumer.stopped).toBe(true);
  });

  test('after a refused commit it writes nothing and re-reads from the committed offsets', async () => {
    const { consumer, clock, deliver, dataKeys, exporter, lines } = await started();
    await deliver(0, 0, 3);
    consumer.fenced = true;
    clock.advance(7_010);
    await eventually(
      () => lines.some((l) => l.includes('re-reading from the committed offsets')),
      'the resync',
    );
    expect(dataKeys()).toEqual([]);
    consumer.fenced = false;
    // The resync seeks back to the committed offset; the redelivered records are stored once.
    await eventually(() => consumer.seeks.some(([p, o]) => p === 0 && o === '0'), 'the seek back');
    await deliver(0, 0, 3);
    await exporter.stop();
    expect(dataKeys()).toHaveLength(1);
    expect(consumer.committedOffsets.get(0)?.offset).toBe('3');
  });

  test('ignores a batch from before a rebalance and never stores a record twice', async () => {
    const { consumer, deliver, dataKeys, exporter, store } = await started({ records: 6 });
    await deliver(0, 0, 3);
    consumer.handlers!.onAssigned([0], 2);
    await deliver(0, 3, 6); // fetched for the old assignment: ignored, the consumer is sent back to offset 0
    expect(consumer.seeks).toContainEqual([0, '0']);
    await deliver(0, 0, 6);
    await exporter.stop();
    const lines = dataKeys().flatMap((k) => store.objects.get(k)!.toString().split('\n').filter(Boolean));
    expect(lines).toEqual(['{"i":0}', '{"i":1}', '{"i":2}', '{"i":3}', '{"i":4}', '{"i":5}']);
  });

  test('exports across offsets the consumer skipped that retention did not remove (transaction markers)', async () => {
    const { clock, deliver, dataKeys, exporter, store, consumer } = await started({ records: 6 });
    await deliver(0, 0, 2);
    await deliver(0, 3, 6);
    clock.advance(7_010);
    await eventually(() => dataKeys().length === 1, 'the interval flush');
    expect(store.objects.get(dataKeys()[0])!.toString()).toBe(
      '{"i":0}\n{"i":1}\n{"i":3}\n{"i":4}\n{"i":5}\n',
    );
    expect(consumer.committedOffsets.get(0)?.offset).toBe('6');
    await exporter.stop();
  });

  test('commits past the control records at the end of an idle partition, so its lag reaches 0', async () => {
    const { topic, clock, deliver, dataKeys, exporter, consumer, lines, store } = await started({
      records: 5,
    });
    // Offsets 3 and 4 are an aborted record and its abort marker: the consumer never delivers them.
    topic.control.add('0@3').add('0@4');
    await deliver(0, 0, 3);
    clock.advance(7_010);
    await eventually(() => dataKeys().length === 1, 'the interval flush');
    await eventually(() => consumer.committedOffsets.get(0)?.offset === '3', 'the end commit');
    // A whole quiet interval later the partition is idle at 3 with its high watermark at 5.
    clock.advance(10_000);
    clock.advance(10_000);
    await eventually(
      () => consumer.committedOffsets.get(0)?.offset === '5',
      'the commit past the control records',
    );
    expect(
      lines.some((l) => l.includes('committed past the control records at the end of an idle partition')),
    ).toBe(true);
    // Partition 1 holds a record that was not delivered yet: it is not committed past.
    expect(consumer.committedOffsets.get(1)?.offset).toBe('0');
    // A record after them continues the partition.
    topic.append(0, '{"i":5}');
    await deliver(0, 5, 6);
    clock.advance(10_000);
    await eventually(() => consumer.committedOffsets.get(0)?.offset === '6', 'the next object');
    expect(dataKeys().map((key) => store.objects.get(key)!.toString())).toEqual([
      '{"i":0}\n{"i":1}\n{"i":2}\n',
      '{"i":5}\n',
    ]);
    await exporter.stop();
  });

  test('does not read the end of an idle partition more than 10,000 offsets past where it rests', async () => {
    const { topic, clock, deliver, dataKeys, exporter, consumer, lines } = await started({ records: 3 });
    // 10,001 offsets the consumer never delivers: a backlog, not trailing control records.
    topic.append(0, ...Array.from({ length: 10_001 }, () => null));
    for (let offset = 3; offset < 10_004; offset++) topic.control.add(`0@${offset}`);
    await deliver(0, 0, 3);
    clock.advance(7_010);
    await eventually(() => consumer.committedOffsets.get(0)?.offset === '3', 'the end commit');
    expect(dataKeys()).toHaveLength(1);
    clock.advance(10_000);
    clock.advance(10_000);
    clock.advance(10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(consumer.committedOffsets.get(0)?.offset).toBe('3');
    expect(lines.some((l) => l.includes('committed past the control records'))).toBe(false);
    await exporter.stop();
  });

  test('stops with the lost range when retention removed records while it was behind', async () => {
    const { consumer, deliver, dataKeys, exporter } = await started({ records: 8 });
    await deliver(0, 0, 3);
    // The consumer fell behind retention and restarted at the new low watermark.
    consumer.low.set(0, '5');
    await deliver(0, 5, 8);
    await expect(exporter.stopped).rejects.toBeInstanceOf(DataLossError);
    await expect(exporter.stopped).rejects.toThrow(
      "DATA LOSS: records of topic 'topic' were removed by retention while the exporter was behind, before " +
        'they were exported: partition 0 [3, 5).',
    );
    expect(dataKeys()).toEqual([]);
    expect(consumer.committedOffsets.get(0)?.offset).toBe('0');
  });

  test('re-reads from the committed offsets when Kafka cannot tell whether skipped offsets were lost', async () => {
    const { consumer, deliver, exporter, lines } = await started({ records: 8 });
    consumer.watermarks = async () => {
      throw Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
    };
    await deliver(0, 0, 3);
    await deliver(0, 5, 8);
    await eventually(
      () => lines.some((l) => l.includes('checking skipped offsets failed; resyncing')),
      'the resync',
    );
    // Not fatal: the exporter stops cleanly when asked.
    await exporter.stop();
    await expect(exporter.stopped).resolves.toBeUndefined();
  });

  test('stops with the lost range when retention removed where a partition resumes (jumps after every seek)', async () => {
    const { consumer, deliver, exporter } = await started({ records: 8 });
    let failed = false;
    exporter.stopped.catch(() => (failed = true));
    consumer.low.set(0, '5');
    // A stale batch right after a join is normal: seek back, no check.
    await deliver(0, 5, 8);
    expect(consumer.seeks).toContainEqual([0, '0']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failed).toBe(false);
    // The consumer jumped ahead again for the same offset: the resume point is gone.
    await deliver(0, 5, 8);
    await expect(exporter.stopped).rejects.toBeInstanceOf(DataLossError);
    await expect(exporter.stopped).rejects.toThrow('partition 0 [0, 5)');
  });

  test('with onDataLoss=skip, re-reads from the committed offsets and skips only what retention removed', async () => {
    const { consumer, clock, deliver, dataKeys, exporter, store, registry } = await started({
      records: 8,
      onDataLoss: 'skip',
    });
    await deliver(0, 0, 3);
    consumer.low.set(0, '5');
    await deliver(0, 5, 8);
    await eventually(
      () => consumer.seeks.some(([p, o]) => p === 0 && o === '5'),
      'the seek to the low watermark',
    );
    await deliver(0, 5, 8);
    await deliver(1, 0, 1);
    clock.advance(7_010);
    await eventually(() => dataKeys().length === 1, 'the interval flush');
    expect(store.objects.get(dataKeys()[0])!.toString()).toBe('{"i":5}\n{"i":6}\n{"i":7}\n{"i":"b"}\n');
    expect(await metricValue(registry, 'batch_exporter_records_lost_total')).toBe(5);
    expect(await metricValue(registry, 'batch_exporter_records_lost_total', { partition: '0' })).toBe(5);
    await exporter.stop();
    await expect(exporter.stopped).resolves.toBeUndefined();
  });

  test('heartbeats after handling a batch', async () => {
    const { deliver, heartbeats, exporter } = await started();
    await deliver(0, 0, 3);
    expect(heartbeats.length).toBeGreaterThan(0);
    await exporter.stop();
  });

  test('while uploads lag behind, a batch waits and heartbeats after each completed unit of work', async () => {
    const store = new GatedStore();
    // 8-byte lines and a 10-byte limit: every record becomes its own object, so uploads pile up.
    const { deliver, heartbeats, exporter, dataKeys } = await started({ maxObjectBytes: 10, store });
    let delivered = false;
    const delivery = deliver(0, 0, 3).then(() => (delivered = true));
    await eventually(() => heartbeats.length > 0, 'a heartbeat after the intent commit');
    expect(delivered).toBe(false);
    const beforeRelease = heartbeats.length;
    store.release();
    await delivery;
    expect(heartbeats.length).toBeGreaterThan(beforeRelease);
    await exporter.stop();
    expect(dataKeys()).toEqual([
      'p/2024-05-01T12:00:00-stream-demo---0.jsonl',
      'p/2024-05-01T12:00:00-stream-demo---0.1.jsonl',
      'p/2024-05-01T12:00:00-stream-demo---0.2.jsonl',
    ]);
  });

  test("consumes the next interval's records while the previous object's upload is held back", async () => {
    const store = new GatedStore();
    const {
      consumer,
      clock,
      deliver,
      dataKeys,
      exporter,
      store: stored,
      // The first object (24 bytes) nearly fills the 30-byte limit: the next interval's records must not wait.
    } = await started({ records: 6, maxObjectBytes: 30, store });
    await deliver(0, 0, 3);
    clock.advance(7_010);
    // The interval's flush is under way: its intent is committed, its upload waits at the gate.
    await eventually(() => consumer.commits.length > 0, 'the intent commit of the first interval');
    await deliver(0, 3, 6);
    expect(dataKeys()).toEqual([]);
    store.release();
    await eventually(() => dataKeys().length === 1, 'the first object');
    clock.advance(10_000);
    await eventually(() => dataKeys().length === 2, 'the second object');
    expect(dataKeys().map((key) => stored.objects.get(key)!.toString())).toEqual([
      '{"i":0}\n{"i":1}\n{"i":2}\n',
      '{"i":3}\n{"i":4}\n{"i":5}\n',
    ]);
    await exporter.stop();
  });

  test("records the next interval's intent and starts its upload while the previous upload is held back", async () => {
    const store = new GatedStore();
    const {
      consumer,
      clock,
      deliver,
      dataKeys,
      exporter,
      store: stored,
    } = await started({ records: 6, store });
    await deliver(0, 0, 3);
    clock.advance(7_010);
    await eventually(() => consumer.commits.length > 0, 'the intent commit of the first interval');
    await deliver(0, 3, 6);
    clock.advance(10_000);
    // The second interval's intent is recorded beside the first (both listed, oldest first) before any upload ended.
    await eventually(
      () => (decodeCommitMetadata(consumer.committedOffsets.get(0)!.metadata).intents ?? []).length === 2,
      'both intents recorded',
    );
    expect(dataKeys()).toEqual([]);
    expect(consumer.committedOffsets.get(0)!.offset).toBe('0');
    store.release();
    await eventually(() => consumer.committedOffsets.get(0)!.offset === '6', 'both ends committed');
    expect(dataKeys().map((key) => stored.objects.get(key)!.toString())).toEqual([
      '{"i":0}\n{"i":1}\n{"i":2}\n',
      '{"i":3}\n{"i":4}\n{"i":5}\n',
    ]);
    expect(decodeCommitMetadata(consumer.committedOffsets.get(0)!.metadata).intents).toBeUndefined();
    await exporter.stop();
  });

  test('while uploads are held back, memory stays below two objects and one batch, and nothing is lost', async () => {
    const store = new GatedStore();
    // 8-byte lines, 20-byte objects: two lines per object.
    const {
      deliver,
      exporter,
      dataKeys,
      registry,
      store: stored,
    } = await started({
      records: 8,
      maxObjectBytes: 20,
      store,
    });
    for (let i = 0; i < 5; i++) await deliver(0, i, i + 1);
    // Two objects are held (one being stored, one queued) and the open batch fills: the next batch waits.
    let delivered = false;
    const delivery = deliver(0, 5, 6).then(() => (delivered = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(delivered).toBe(false);
    expect(await metricValue(registry, 'batch_exporter_held_bytes_peak')).toBeLessThanOrEqual(2 * 20 + 8);
    store.release();
    await delivery;
    await deliver(0, 6, 8);
    await exporter.stop();
    const lines = dataKeys().flatMap((key) =>
      stored.objects.get(key)!.toString().split('\n').filter(Boolean),
    );
    expect(lines).toEqual(Array.from({ length: 8 }, (_, i) => `{"i":${i}}`));
    expect(await metricValue(registry, 'batch_exporter_held_bytes_peak')).toBeLessThanOrEqual(2 * 20 + 8);
    expect(await metricValue(registry, 'batch_exporter_held_bytes')).toBe(0);
  });

  test('retries a refused assignment when no new join follows, instead of sitting idle', async () => {
    const topic = new FakeTopic();
    topic.append(0, '{"i":0}');
    const consumer = new FakeGroupConsumer(topic);
    const { logger, lines } = memoryLogger();
    const exporter = await startExporter(config, {
      logger,
      clock: new FakeClock(t0),
      store: new FakeStore(),
      consumerFactory: {
        createGroupConsumer: () => consumer,
        createRangeReader: () => new FakeRangeReader(topic),
      },
    });
    await eventually(() => consumer.handlers !== undefined, 'the consumer to start');
    consumer.fenced = true;
    consumer.handlers!.onAssigned([0], 1);
    await eventually(() => lines.some((l) => l.includes('commit refused or failed')), 'the refused pin');
    consumer.fenced = false;
    await exporter.ready;
    expect(consumer.committedOffsets.get(0)?.offset).toBe('0');
    await exporter.stop();
  });

  test('retries reading the committed offsets while Kafka is unreachable, instead of failing', async () => {
    const topic = new FakeTopic();
    topic.append(0, '{"i":0}');
    const consumer = new FakeGroupConsumer(topic);
    const committed = consumer.committed.bind(consumer);
    let failures = 1;
    consumer.committed = async (partitions) => {
      if (failures-- > 0)
        throw Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
      return committed(partitions);
    };
    const { logger, lines } = memoryLogger();
    const exporter = await startExporter(config, {
      logger,
      clock: new FakeClock(t0),
      store: new FakeStore(),
      consumerFactory: {
        createGroupConsumer: () => consumer,
        createRangeReader: () => new FakeRangeReader(topic),
      },
    });
    await eventually(() => consumer.handlers !== undefined, 'the consumer to start');
    consumer.handlers!.onAssigned([0], 1);
    await exporter.ready;
    expect(lines.join('\n')).toContain('reading the committed offsets failed; retrying');
    await exporter.stop();
    await expect(exporter.stopped).resolves.toBeUndefined();
  });

  test('stops cleanly when the consumer crashes while a requested stop leaves the group', async () => {
    const { consumer, exporter, deliver, lines } = await started();
    await deliver(0, 0, 3);
    const leave = consumer.stop.bind(consumer);
    consumer.stop = async () => {
      // kafkajs crashes when its rejoin is cut short by the disconnect (seen under the fault matrix).
      consumer.handlers!.onCrash(new Error('SyncGroup answered INVALID_REQUEST'), false);
      await leave();
    };
    await exporter.stop();
    await expect(exporter.stopped).resolves.toBeUndefined();
    expect(lines.join('\n')).toContain('the Kafka consumer crashed while stopping; leaving anyway');
  });

  test('stops with an error (non-zero exit) when the consumer crashes and cannot restart', async () => {
    const { consumer, exporter } = await started();
    consumer.handlers!.onCrash(new Error('coordinator gone'), false);
    await expect(exporter.stopped).rejects.toThrow(
      'the Kafka consumer crashed and cannot restart: coordinator gone',
    );
    expect(consumer.stopped).toBe(true);
  });

  test('stops with the storage error when an upload is refused for good, committing nothing beyond the intent', async () => {
    const { store, consumer, clock, deliver, exporter } = await started();
    await deliver(0, 0, 3);
    const { StorePermanentError } = await import('../../../runtime/storage/object-store');
    store.failNext = new StorePermanentError(
      'S3 denied PutObject (test)',
      'access-denied',
      'fake-bucket',
      'k',
    );
    clock.advance(7_010);
    await expect(exporter.stopped).rejects.toThrow('S3 denied PutObject (test)');
    expect(consumer.committedOffsets.get(0)?.offset).toBe('0');
    expect(decodeCommitMetadata(consumer.committedOffsets.get(0)!.metadata).intents?.[0]?.key).toBe(
      'p/2024-05-01T12:00:00-stream-demo---0.jsonl',
    );
  });

  test('counts events, objects and lag in its registry', async () => {
    const { deliver, exporter, registry } = await started();
    await deliver(0, 0, 2);
    await exporter.stop();
    const text = await registry.metrics();
    expect(text).toMatch(/batch_exporter_events_total\{outcome="valid"\} 2/);
    expect(text).toMatch(/batch_exporter_objects_total\{kind="data",outcome="created"\} 1/);
    expect(text).toMatch(/batch_exporter_consumer_lag\{partition="0"\} 1/);
  });
});

describe('ExporterMetrics', () => {
  test('a failing metric is logged and never thrown into the data path', () => {
    const { logger, lines } = memoryLogger();
    const metrics = new ExporterMetrics(new Registry(), logger);
    (metrics as unknown as { events: { inc: () => never } }).events.inc = () => {
      throw new Error('registry broken');
    };
    expect(() => metrics.eventsExported(3, 0)).not.toThrow();
    expect(lines.join('\n')).toContain('recording a metric failed; ignored');
  });
});
